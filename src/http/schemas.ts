import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { COLUMN_TYPES, IDENTIFIER_PATTERN } from '../domain/table-schema.js';
import { ENVIRONMENT_TYPES } from '../domain/environment.js';
import { ERROR_CODES } from '../domain/errors.js';
import { EngineChoice, EngineView } from './engine-schemas.js';
import { NAME_PATTERN } from '../domain/names.js';

/**
 * One source for request validation and the OpenAPI document: every route's schema is built
 * from these. Objects are closed (`additionalProperties: false`), so an unknown field is a 400,
 * not silently dropped.
 */
const closed = <T extends Record<string, TSchema>>(props: T, options: { $id?: string; description?: string } = {}) =>
  Type.Object(props, { additionalProperties: false, ...options });

const Id = Type.String({ minLength: 1, maxLength: 100, pattern: '^[A-Za-z0-9_-]+$' });
const Time = Type.String({ format: 'date-time' });
/** Names people give things: printable text (no control characters, noncharacters or lone surrogates; domain/names.ts). */
const Name = Type.String({ minLength: 1, maxLength: 200, pattern: NAME_PATTERN });
const Region = Type.String({ minLength: 1, maxLength: 64, pattern: '^[a-z0-9][a-z0-9-]*$' });

export const Problem = closed(
  {
    type: Type.String(),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.String(),
    code: Type.Union(ERROR_CODES.map((c) => Type.Literal(c))),
    retryAfter: Type.Optional(Time),
  },
  { $id: 'Problem', description: 'RFC 9457 problem details; `code` is stable, `detail` is for people.' },
);

export const TenantBody = closed({
  name: Name,
  licensedSeats: Type.Integer({ minimum: 0, maximum: 100_000_000 }),
  regions: Type.Array(Region, { minItems: 1, maxItems: 50 }),
  cmkOptIn: Type.Boolean(),
});
export type TenantBody = Static<typeof TenantBody>;

export const Tenant = closed({
  id: Id,
  name: Type.String(),
  licensedSeats: Type.Integer(),
  regions: Type.Array(Type.String()),
  cmkOptIn: Type.Boolean(),
  cmkEnabled: Type.Boolean(),
  cmkEnabledAt: Type.Union([Time, Type.Null()]),
});

export const CmkBody = closed({ enabled: Type.Literal(true, { description: 'CMK cannot be turned off once on.' }) });

export const RoleSchema = Type.Union([
  closed({ role: Type.Literal('global-admin') }),
  closed({ role: Type.Literal('service-admin') }),
  closed({ role: Type.Literal('env-admin'), environmentId: Id }),
]);

export const UserBody = closed({
  email: Type.String({ format: 'email', maxLength: 254 }),
  roles: Type.Array(RoleSchema, { minItems: 1, maxItems: 100 }),
});
export type UserBody = Static<typeof UserBody>;

export const CreatedUser = closed({
  id: Id,
  email: Type.String(),
  roles: Type.Array(RoleSchema),
  token: Type.String({ description: 'Shown once; only its hash is kept.' }),
});

export const EnvironmentBody = closed({
  name: Name,
  region: Region,
  type: Type.Union(ENVIRONMENT_TYPES.map((t) => Type.Literal(t))),
  engine: Type.Optional(EngineChoice),
});
export type EnvironmentBody = Static<typeof EnvironmentBody>;

export const Environment = closed(
  {
    id: Id,
    tenantId: Id,
    name: Type.String(),
    region: Type.String(),
    type: Type.String(),
    createdAt: Time,
    cmkEligible: Type.Boolean(),
    encryption: closed({
      mode: Type.Union([Type.Literal('provider'), Type.Literal('tenant')]),
      keyId: Type.Union([Type.String(), Type.Null()]),
      status: Type.Union(['ready', 'updating', 'locking', 'locked', 'unlocking'].map((s) => Type.Literal(s))),
    }),
    engine: EngineView,
  },
  { description: 'An environment and how its data key is protected.' },
);

export const EnvironmentList = closed({ items: Type.Array(Environment) });

export const TableBody = closed({
  name: Type.String({ pattern: IDENTIFIER_PATTERN }),
  columns: Type.Array(closed({ name: Type.String({ pattern: IDENTIFIER_PATTERN }), type: Type.Union(COLUMN_TYPES.map((t) => Type.Literal(t))) }), {
    minItems: 1,
    maxItems: 100,
  }),
});
export type TableBody = Static<typeof TableBody>;

const CellValue = Type.Union([Type.String(), Type.Number(), Type.Boolean(), Type.Null()]);
export const RowBody = Type.Record(Type.String({ pattern: IDENTIFIER_PATTERN }), CellValue, {
  description: 'One value per column: text/datetime/file/image as strings (files base64), number, boolean, or null.',
  maxProperties: 100,
});
export type RowBody = Static<typeof RowBody>;

export const Row = Type.Object({ id: Type.String() }, { additionalProperties: CellValue });
export const RowList = closed({
  items: Type.Array(Row),
  nextCursor: Type.Union([Type.String(), Type.Null()], { description: 'Pass as `after` for the next page.' }),
});
export const RowListQuery = closed({
  limit: Type.Optional(Type.String({ pattern: '^[1-9][0-9]{0,3}$', description: '1 to 1000; default 100' })),
  after: Type.Optional(Type.String({ maxLength: 100 })),
});

export const TenantParams = closed({ tenantId: Id });
export const EnvironmentParams = closed({ envId: Id });
export const TableParams = closed({ envId: Id, table: Type.String({ pattern: IDENTIFIER_PATTERN }) });
export const RowParams = closed({ envId: Id, table: Type.String({ pattern: IDENTIFIER_PATTERN }), rowId: Id });

export const ClockBody = closed({ advanceSeconds: Type.Number({ minimum: 0, maximum: 10 * 365 * 24 * 3600 }) });
export const ClockAnswer = closed({ now: Time });

// ---- Keys, encryption, operations, audit ----

const Base64File = Type.String({
  minLength: 4,
  maxLength: 200_000,
  pattern: '^[A-Za-z0-9+/]+={0,2}$',
  description: 'The key file, standard base64.',
});
const Password = Type.String({ minLength: 1, maxLength: 1024 });

export const Key = closed({
  id: Id,
  tenantId: Id,
  region: Type.String(),
  name: Type.String(),
  state: Type.Union(['Available', 'Installing', 'Active', 'Locked', 'Failed'].map((s) => Type.Literal(s))),
  source: Type.Union(['generated', 'pfx', 'byok'].map((s) => Type.Literal(s))),
  thumbprint: Type.String({ description: 'SHA-256 of the SubjectPublicKeyInfo, hex' }),
  keySize: Type.Integer(),
  createdAt: Time,
  activatedAt: Type.Union([Time, Type.Null()]),
  lockedAt: Type.Union([Time, Type.Null()]),
  failureReason: Type.Union([Type.String(), Type.Null()]),
});
export const KeyList = closed({ items: Type.Array(Key) });
export const KeyParams = closed({ tenantId: Id, keyId: Id });
export const RegionQuery = closed({ region: Region });
export const OptionalRegionQuery = closed({ region: Type.Optional(Region) });

export const Operation = closed({
  id: Id,
  type: Type.String(),
  status: Type.Union([Type.Literal('running'), Type.Literal('succeeded'), Type.Literal('failed')]),
  progress: closed({ done: Type.Integer(), total: Type.Integer() }),
  error: Type.Union([closed({ code: Type.String(), detail: Type.String() }), Type.Null()]),
  createdAt: Time,
  finishedAt: Type.Union([Time, Type.Null()]),
  result: Type.Optional(
    Type.Union([
      Type.Record(Type.String(), Type.Unknown(), { description: 'What a finished operation reports (a lock: what it destroyed).' }),
      Type.Null(),
    ]),
  ),
});
export const OperationAnswer = closed({ operation: Operation });
export const OperationParams = closed({ operationId: Id });

/** Optional in the schema so that leaving it out answers the stable code, not a generic 400. */
const AcknowledgeRisk = Type.Optional(Type.Boolean({ description: 'Must be true (R3); missing or false answers ACKNOWLEDGEMENT_REQUIRED.' }));

export const GenerateKeyBody = closed({
  region: Region,
  name: Name,
  password: Type.String({ minLength: 8, maxLength: 1024, description: 'Protects the .pfx; never stored.' }),
  acknowledgeRisk: AcknowledgeRisk,
  keySize: Type.Optional(Type.Union([Type.Literal(2048), Type.Literal(3072), Type.Literal(4096)])),
});
export type GenerateKeyBody = Static<typeof GenerateKeyBody>;
export const GeneratedKey = closed({
  key: Key,
  pfx: Type.String({ description: 'The .pfx, base64: handed out this once.' }),
  operation: Type.Union([Operation, Type.Null()]),
});

export const UploadKeyBody = closed({
  region: Region,
  name: Name,
  format: Type.Union([Type.Literal('pfx'), Type.Literal('byok')]),
  file: Base64File,
  password: Type.Optional(Password),
  acknowledgeRisk: AcknowledgeRisk,
});
export type UploadKeyBody = Static<typeof UploadKeyBody>;
export const UploadedKey = closed({ key: Key, operation: Type.Union([Operation, Type.Null()]) });

export const ExchangeKeyAnswer = closed({ kid: Type.String(), publicKeyPem: Type.String(), expiresAt: Time });
export const AcknowledgeRiskBody = closed({
  acknowledgeRisk: AcknowledgeRisk,
});
export const LockChallenge = closed({
  text: Type.String({ description: 'Type it back as `confirmation`; valid for 10 to 20 minutes and while the region holds what it says.' }),
  expiresAt: Time,
  environments: Type.Integer({ description: 'Tenant-key environments the lock takes offline.' }),
  keys: Type.Integer({ description: 'Keys of the region the lock destroys.' }),
});
export const LockProofQuery = closed({ region: Region });
export const LockProofChallenge = closed({
  challengeId: Type.String(),
  ciphertext: Type.String({ description: 'Base64: a nonce, RSA-OAEP (SHA-256, MGF1-SHA-256) under the active key. Decrypt it where the key is.' }),
  expiresAt: Time,
  keyId: Id,
  openssl: Type.String({ description: 'How to answer with OpenSSL alone, the key never leaving your machine.' }),
});
const LockProofAnswer = closed({
  challengeId: Type.String({ maxLength: 400 }),
  response: Type.String({ maxLength: 1000, description: 'Base64 of the decrypted nonce.' }),
});
export const LockBody = Type.Union([
  closed({ region: Region, file: Base64File, password: Password, confirmation: Type.String({ maxLength: 1000 }) }),
  closed({ region: Region, proof: LockProofAnswer, confirmation: Type.String({ maxLength: 1000 }) }),
]);
export type LockBody = Static<typeof LockBody>;
export const UnlockKeyBody = closed({ file: Base64File, password: Password });
export type UnlockKeyBody = Static<typeof UnlockKeyBody>;

export const ApplyTenantKeyBody = closed({
  acknowledgeDowntime: Type.Optional(Type.Boolean({ description: 'Must be true (R11); missing or false answers ACKNOWLEDGEMENT_REQUIRED.' })),
});
export const ReturnToProviderBody = closed({ confirmation: Type.Optional(Type.String({ maxLength: 1000 })) });
export const EmptyBody = closed({});

export const AuditItem = closed({
  seq: Type.Integer(),
  at: Time,
  actor: Type.String(),
  action: Type.String(),
  target: Type.String(),
  outcome: Type.String(),
  detail: Type.Union([Type.String(), Type.Null()]),
  hash: Type.String(),
});
export const AuditList = closed({ items: Type.Array(AuditItem) });
export const AuditVerdict = closed({
  ok: Type.Boolean(),
  entries: Type.Integer(),
  brokenAtSeq: Type.Optional(Type.Integer()),
  reason: Type.Optional(Type.String()),
});
export const AuditVerifyQuery = closed({
  anchorSeq: Type.Optional(
    Type.String({ pattern: '^[1-9][0-9]{0,11}$', description: 'An anchor from a key-change e-mail: the chain must hold this entry…' }),
  ),
  anchorHash: Type.Optional(Type.String({ pattern: '^[0-9a-f]{64}$', description: '…with this hash.' })),
});
export const AuditQuery = closed({
  afterSeq: Type.Optional(Type.String({ pattern: '^[0-9]{1,12}$' })),
  limit: Type.Optional(Type.String({ pattern: '^[1-9][0-9]{0,3}$' })),
});
