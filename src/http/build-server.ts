import Fastify, { type FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import type { AppDeps } from '../app/deps.js';
import type { DevClock } from '../adapters/clock/dev-clock.js';
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

export interface ServerOptions {
  logLevel: string;
  bodyLimitBytes: number;
  devClock: DevClock | undefined;
  version: string;
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
export const REDACTED_PATHS = ['req.headers.authorization', 'req.headers.cookie', 'body', '*.password', '*.token', '*.pfx', '*.file', '*.wrappedDek'];

export async function buildServer(deps: AppDeps, options: ServerOptions): Promise<FastifyInstance> {
  const { limits } = options;
  const app = Fastify({
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
    return503OnClosing: true,
    forceCloseConnections: 'idle',
  });

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
  systemRoutes(app, {
    metrics,
    clock: deps.clock,
    devClock: options.devClock,
    healthy: async () => (await deps.store.settings.get('operator.tokenHash')) !== undefined,
  });
  await webUiRoutes(app);
  return app;
}
