import { Type, type Static, type TSchema } from '@sinclair/typebox';

/**
 * Schemas of environments on an external engine (API.md "Environments on an external engine"),
 * kept beside schemas.ts in the same style: closed objects, one source for validation and
 * OpenAPI. The admin URL goes in and never comes out: the view has no password, and no token.
 */
const closed = <T extends Record<string, TSchema>>(props: T, options: { description?: string } = {}) =>
  Type.Object(props, { additionalProperties: false, ...options });

const Time = Type.String({ format: 'date-time' });

export const EngineChoice = Type.Union(
  [
    closed({ kind: Type.Literal('embedded') }),
    closed({
      kind: Type.Literal('mariadb'),
      adminUrl: Type.String({
        minLength: 1,
        maxLength: 2048,
        description: 'mysql://user:password@host:port of an account with SHUTDOWN (and PROCESS); the password is sealed and never returned.',
      }),
    }),
  ],
  { description: 'Where the data lives: Keyward (default) or a MariaDB server Keyward keys.' },
);
export type EngineChoice = Static<typeof EngineChoice>;

export const EngineView = Type.Union([
  closed({ kind: Type.Literal('embedded') }),
  closed({
    kind: Type.Literal('mariadb'),
    host: Type.String(),
    port: Type.Integer(),
    user: Type.String(),
    keyVersion: Type.Integer({ description: 'The latest engine key version served; every earlier one is served too.' }),
    tokenIssued: Type.Boolean({ description: 'Whether an engine token was issued (POST …/engine/token).' }),
    up: Type.Optional(
      Type.Union([Type.Boolean(), Type.Null()], {
        description: 'Read of one environment only: the engine answers (true), refuses (false), or cannot be told (null).',
      }),
    ),
    lastKeyFetchAt: Type.Union([Time, Type.Null()], { description: 'When the engine last fetched a key (to the minute).' }),
  }),
]);

export const EngineToken = closed({
  vaultUrl: Type.String({ description: "MariaDB's hashicorp-key-management-vault-url." }),
  token: Type.String({ description: "MariaDB's hashicorp-key-management-token; shown once, only its hash is kept." }),
});
