import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { isEngineKeyNumber } from '../crypto/engine-keys.js';
import type { EngineAccess, EngineKeyAnswer, EngineKeyLookup } from '../ports/engine-key-lookup.js';

/**
 * The engine key service: the two HashiCorp Vault KV v2 reads MariaDB's hashicorp_key_management
 * plugin makes, one mount per environment at `/v1/<mountRoot>/<environmentId>`:
 *
 *   GET /v1/sys/mounts/<mountRoot>/<envId>/tune         → {"options":{"version":"2"},…} (at engine start)
 *   GET /v1/<mountRoot>/<envId>/data/<keyId>[?version=N] → {"data":{"data":{"data":"<64 hex>"},"metadata":{"version":N}}}
 *
 * The engine authenticates with `X-Vault-Token` (its environment's engine token), never with
 * Keyward's bearer tokens: these routes are public to Keyward's auth hook. Refusals are 403 in
 * Vault's format; Keyward's own faults drop the connection without an answer (SPEC E5), see
 * ports/engine-key-lookup.ts for why. The routes are hidden from the OpenAPI document: they are
 * Vault's contract, not Keyward's. Register it on a server built with `return503OnClosing: false`
 * (Fastify's default answers 503 while closing, an HTTP error an engine may abort on), or on a
 * listener of its own.
 */
declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * A route of the engine key service. Rate limits must leave these alone: an engine refused a
     * key version it is entitled to can abort (INVARIANTS 1), and its requests carry no bearer
     * token to count as bad (a wrong X-Vault-Token is answered 403 without touching the vault).
     */
    engineKeyService?: boolean;
  }
}

export interface EngineKeyServiceOptions {
  lookup: EngineKeyLookup;
  /** First path segment of every mount (default `keyward`); must not be one of Keyward's own. */
  mountRoot?: string;
  /** A lookup slower than this is a Keyward fault: the connection is dropped (default 2000 ms). */
  lookupTimeoutMs?: number;
}

export const DEFAULT_MOUNT_ROOT = 'keyward';
/** First segments under /v1/ that Keyward or Vault use; a mount root must differ from all. */
const RESERVED_ROOTS = new Set(['tenants', 'environments', 'operations', 'dev', 'openapi.json', 'receipts', 'approvals', 'sys', 'auth', 'identity']);
const MOUNT_ROOT = /^[a-z][a-z0-9-]{0,31}$/;
const ENVIRONMENT_ID = /^[A-Za-z0-9_-]{1,128}$/;
const DIGITS = /^[0-9]{1,10}$/;
const MAX_TOKEN_LENGTH = 512;

const PERMISSION_DENIED = JSON.stringify({ errors: ['permission denied'] });
const NO_SUCH_SECRET = JSON.stringify({ errors: [] });

/** The value for MariaDB's `hashicorp-key-management-vault-url`, from Keyward's public base URL. */
export function engineVaultUrl(baseUrl: string, environmentId: string, mountRoot = DEFAULT_MOUNT_ROOT): string {
  return `${baseUrl.replace(/\/+$/, '')}/v1/${mountRoot}/${environmentId}`;
}

export const engineKeyService: FastifyPluginAsync<EngineKeyServiceOptions> = (app, options) => {
  const mountRoot = options.mountRoot ?? DEFAULT_MOUNT_ROOT;
  if (!MOUNT_ROOT.test(mountRoot) || RESERVED_ROOTS.has(mountRoot)) {
    return Promise.reject(new RangeError(`The engine key mount root must be a short lowercase name other than ${[...RESERVED_ROOTS].join(', ')}.`));
  }
  const lookupTimeoutMs = options.lookupTimeoutMs ?? 2_000;
  // Public to the bearer-token hook and never refused by the edge's rate limits (rate-limits.ts).
  const route = {
    config: { public: true, engineKeyService: true },
    schema: { hide: true, tags: ['engine key service (Vault KV v2)'] },
  };

  app.get<{ Params: { environmentId: string } }>(`/v1/sys/mounts/${mountRoot}/:environmentId/tune`, route, async (request, reply) => {
    const { environmentId } = request.params;
    if (!ENVIRONMENT_ID.test(environmentId)) return vault(reply, 404, NO_SUCH_SECRET);
    const token = tokenOf(request);
    if (token === undefined) return vault(reply, 403, PERMISSION_DENIED);
    const access = await withDeadline(options.lookup.authorize({ token, environmentId }), lookupTimeoutMs);
    if (access.kind === 'unavailable') return drop(request, reply);
    if (access.kind === 'forbidden') return vault(reply, 403, PERMISSION_DENIED);
    const mount = { type: 'kv', description: '', default_lease_ttl: 0, max_lease_ttl: 0, force_no_cache: false, options: { version: '2' } };
    return vault(reply, 200, JSON.stringify({ ...mount, request_id: request.id, lease_id: '', renewable: false, lease_duration: 0, data: mount }));
  });

  app.get<{ Params: { environmentId: string; keyId: string }; Querystring: Record<string, string | string[] | undefined> }>(
    `/v1/${mountRoot}/:environmentId/data/:keyId`,
    route,
    async (request, reply) => {
      const { environmentId } = request.params;
      const keyId = number(request.params.keyId);
      const asked = request.query.version;
      const version = asked === undefined ? undefined : typeof asked === 'string' ? number(asked) : null;
      if (!ENVIRONMENT_ID.test(environmentId) || keyId === null || version === null) return vault(reply, 404, NO_SUCH_SECRET);
      const token = tokenOf(request);
      if (token === undefined) return vault(reply, 403, PERMISSION_DENIED);
      const answer = await withDeadline(options.lookup.resolve({ token, environmentId, keyId, version }), lookupTimeoutMs);
      if (answer.kind === 'unavailable') return drop(request, reply);
      if (answer.kind === 'forbidden') return vault(reply, 403, PERMISSION_DENIED);
      try {
        const body = {
          request_id: request.id,
          lease_id: '',
          renewable: false,
          lease_duration: 0,
          data: {
            data: { data: answer.key.toString('hex') },
            metadata: { version: answer.version, destroyed: false, deletion_time: '', custom_metadata: null },
          },
          wrap_info: null,
          warnings: null,
          auth: null,
        };
        return vault(reply, 200, JSON.stringify(body));
      } finally {
        answer.key.fill(0);
      }
    },
  );
  return Promise.resolve();
};

function tokenOf(request: FastifyRequest): string | undefined {
  const header = request.headers['x-vault-token'];
  return typeof header === 'string' && header.length > 0 && header.length <= MAX_TOKEN_LENGTH ? header : undefined;
}

function number(text: string): number | null {
  if (!DIGITS.test(text)) return null;
  const n = Number(text);
  return isEngineKeyNumber(n) ? n : null;
}

function vault(reply: FastifyReply, status: number, body: string): FastifyReply {
  return reply.status(status).header('cache-control', 'no-store').type('application/json').send(body);
}

/** No HTTP answer at all: the engine sees a failed connection and uses the keys it has cached. */
function drop(request: FastifyRequest, reply: FastifyReply): FastifyReply {
  reply.hijack();
  request.raw.socket?.destroy();
  return reply;
}

/** A lookup that throws or overruns is Keyward's fault, hence `unavailable`. */
async function withDeadline<T extends EngineKeyAnswer | EngineAccess>(work: Promise<T>, ms: number): Promise<T | { kind: 'unavailable' }> {
  let timer: NodeJS.Timeout | undefined;
  let overran = false;
  const late = new Promise<{ kind: 'unavailable' }>((resolve) => {
    timer = setTimeout(() => {
      overran = true;
      resolve({ kind: 'unavailable' });
    }, ms);
  });
  // A key that arrives after its deadline is zeroed, not left in memory.
  void work.then(
    (answer) => {
      if (overran && 'key' in answer) answer.key.fill(0);
    },
    () => undefined,
  );
  try {
    return await Promise.race([work.catch(() => ({ kind: 'unavailable' as const })), late]);
  } finally {
    clearTimeout(timer);
  }
}
