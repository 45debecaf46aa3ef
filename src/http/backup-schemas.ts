import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { LABEL_PATTERN } from '../domain/names.js';

/**
 * Request and response schemas of backups, restore, copy and reset (API.md "Environment
 * encryption and database operations"), kept beside schemas.ts in the same style: closed
 * objects, so an unknown field is a 400, and one source for validation and OpenAPI.
 */
const closed = <T extends Record<string, TSchema>>(props: T, options: { description?: string } = {}) =>
  Type.Object(props, { additionalProperties: false, ...options });

const Id = Type.String({ minLength: 1, maxLength: 100, pattern: '^[A-Za-z0-9_-]+$' });
const Time = Type.String({ format: 'date-time' });

export const BackupBody = closed({
  label: Type.Optional(
    Type.String({ maxLength: 200, pattern: LABEL_PATTERN, description: 'For people: what the backup was taken for (printable text).' }),
  ),
});
export type BackupBody = Static<typeof BackupBody>;

export const Backup = closed(
  {
    id: Id,
    environmentId: Id,
    label: Type.Union([Type.String(), Type.Null()]),
    createdAt: Time,
    protector: closed(
      {
        mode: Type.Union([Type.Literal('provider'), Type.Literal('tenant')]),
        keyId: Type.Union([Type.String(), Type.Null()]),
      },
      { description: "What protected the environment's data key when the backup was taken; the backup is readable exactly when the environment is." },
    ),
    sizeBytes: Type.Integer({ minimum: 0 }),
  },
  { description: "A consistent copy of the environment's encrypted database, under the environment's own data key." },
);
export const BackupList = closed({ items: Type.Array(Backup) });

export const RestoreBody = closed({
  sourceEnvironmentId: Id,
  backupId: Id,
});
export type RestoreBody = Static<typeof RestoreBody>;

export const CopyBody = closed({ sourceEnvironmentId: Id });
export type CopyBody = Static<typeof CopyBody>;
