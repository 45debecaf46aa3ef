import Fastify, { type FastifyInstance } from 'fastify';
import { engineKeyService, engineVaultUrl } from '../../src/http/engine-key-service.js';
import { MemoryEngineKeys } from './memory-engine-keys.js';

/** The engine key service on loopback over an in-memory lookup, for real mariadbd processes. */
export interface EngineKeyServer {
  app: FastifyInstance;
  url: string;
  keys: MemoryEngineKeys;
  /** The plugin's vault URL for an environment. */
  vaultUrl(environmentId: string): string;
  close(): Promise<void>;
}

export async function startEngineKeyServer(
  options: { lookupTimeoutMs?: number; https?: { key: string; cert: string } } = {},
): Promise<EngineKeyServer> {
  const keys = new MemoryEngineKeys();
  const { https, ...plugin } = options;
  // One type for both: the routes do not care whether TLS is in front of them.
  const app = (
    https ? Fastify({ logger: false, forceCloseConnections: true, https }) : Fastify({ logger: false, forceCloseConnections: true })
  ) as FastifyInstance;
  await app.register(engineKeyService, { lookup: keys, ...plugin });
  app.get('/healthz', { config: { public: true } }, () => ({ status: 'ok' }));
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  return { app, url, keys, vaultUrl: (environmentId) => engineVaultUrl(url, environmentId), close: () => app.close() };
}
