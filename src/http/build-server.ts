import Fastify, { type FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import type { AppDeps } from '../app/deps.js';
import type { SettableClock } from '../ports/clock.js';
import { installAuth } from './auth.js';
import { installRateLimits, type RateLimitSettings } from './rate-limits.js';
import { installProblemHandlers } from './problem.js';
import { createMetrics, installRequestMetrics } from './metrics.js';
import { Problem } from './schemas.js';
import { tenantRoutes } from './routes/tenants.js';
import { environmentRoutes } from './routes/environments.js';
import { dataRoutes } from './routes/data.js';
import { systemRoutes } from './routes/system.js';
import { webUiRoutes } from './routes/web-ui.js';
import { keyRoutes } from './routes/keys.js';
import { encryptionRoutes } from './routes/encryption.js';
import { backupRoutes } from './routes/backups.js';
import { engineRoutes } from './routes/engines.js';
import { engineKeyService } from './engine-key-service.js';
import { engineKeyLookup } from '../app/engines/serve-engine-keys.js';

export interface ServerOptions {
  logLevel: string;
  bodyLimitBytes: number;
  devClock: SettableClock | undefined;
  version: string;
  /** External engines: the base URL engines reach Keyward at (their vault URL starts with it). */
  engines: { publicUrl: string };
  /** Serve HTTPS with this certificate (KEYWARD_TLS_CERT_FILE / KEYWARD_TLS_KEY_FILE); plain HTTP otherwise. */
  https?: { key: Buffer; cert: Buffer } | undefined;
  /** Timeouts, the connection cap and rate limits (SPEC F1-F3; README "Limits"). */
  limits: HttpLimits;
}

export interface HttpLimits extends RateLimitSettings {
  /** Client addresses from X-Forwarded-For: only behind a reverse proxy that sets it. */
  trustProxy: boolean;
  /** The whole request, body included, must arrive within this (slow bodies get 408 and a closed socket). */
  requestTimeoutMs: number;
  /**
   * A socket without any traffic this long is closed, also while its request is handled or its
   * answer is not being read: longer than the longest request (a large backup answers when done).
   * A socket that never sends a request is closed by the request timeout.
   */
  connectionTimeoutMs: number;
  keepAliveTimeoutMs: number;
  /** Connections open at once; more are closed as they arrive. */
  maxConnections: number;
}

/** Paths pino replaces before a line is written: tokens, passwords, key files, row bodies. */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-vault-token"]',
  'body',
  '*.password',
  '*.token',
  '*.pfx',
  '*.file',
  '*.wrappedDek',
  '*.adminUrl',
];

export async function buildServer(deps: AppDeps, options: ServerOptions): Promise<FastifyInstance> {
  const { limits } = options;
  const settings = {
    logger: { level: options.logLevel, redact: { paths: REDACTED_PATHS, censor: '[redacted]' } },
    bodyLimit: options.bodyLimitBytes,
    trustProxy: limits.trustProxy,
    requestTimeout: limits.requestTimeoutMs,
    connectionTimeout: limits.connectionTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    // Node checks request timeouts on this interval (30 s by default, which would let a slow
    // body live up to 30 s past its timeout); headers must arrive within the request timeout.
    http: { connectionsCheckingInterval: Math.min(1_000, limits.requestTimeoutMs), headersTimeout: Math.min(60_000, limits.requestTimeoutMs) },
    // Closed schemas must refuse unknown fields and wrong types, not quietly fix them.
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, useDefaults: false } },
    // Not 503 while closing: a MariaDB server asking for a key version while Keyward shuts down
    // would abort on an HTTP error (engines/mariadb/INVARIANTS.md, 1). Requests already in flight
    // finish while the stores are still open (main/wire.ts closes the server first); new
    // connections are refused once the listener is closed, which the engine's plugin survives.
    return503OnClosing: false,
    forceCloseConnections: 'idle' as const,
  };
  // One instance type for both: no route cares whether TLS is in front of it.
  const app = (options.https ? Fastify({ ...settings, https: options.https }) : Fastify(settings)) as unknown as FastifyInstance;

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Keyward', version: options.version, description: 'Customer-managed encryption keys for multi-tenant databases.' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
  });
  app.addSchema(Problem);

  const metrics = createMetrics(() => deps.dataPlane.openEnvironmentIds().length);
  installRequestMetrics(app, metrics);
  app.server.maxConnections = limits.maxConnections;
  installProblemHandlers(app, deps.clock);
  const badToken = await installRateLimits(app, deps.clock, limits);
  installAuth(app, deps.store, badToken);
  const devClock = options.devClock;
  // Another instance may have moved the shared dev clock: catch up before every request.
  if (devClock) app.addHook('onRequest', async () => devClock.refresh());

  tenantRoutes(app, deps);
  environmentRoutes(app, deps);
  dataRoutes(app, deps);
  keyRoutes(app, deps);
  encryptionRoutes(app, deps);
  backupRoutes(app, deps);
  engineRoutes(app, deps, options.engines);
  await app.register(engineKeyService, { lookup: engineKeyLookup(deps) });
  systemRoutes(app, {
    metrics,
    clock: deps.clock,
    devClock: options.devClock,
    healthy: async () => (await deps.store.settings.get('operator.tokenHash')) !== undefined,
  });
  await webUiRoutes(app);
  return app;
}
