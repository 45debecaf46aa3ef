import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { FastifyInstance, FastifyReply } from 'fastify';
import fastifyStatic from '@fastify/static';

/**
 * The admin center (web/, built by Vite into web/dist) served at `/`, without a token: it holds
 * no data, and asks for a token before it calls the API.
 *
 * Only the client's own paths fall back to index.html (they must match web/src/router.ts).
 * There is deliberately no catch-all: /v1/*, /healthz and /metrics never reach this file, so
 * an unknown API path keeps its problem-details 404 (and its 401 without a token).
 */
export const CLIENT_ROUTES = ['/', '/tenants', '/tenant', '/environments', '/environments/:envId', '/keys'] as const;

const DEFAULT_DIST = resolve(import.meta.dirname, '../../../web/dist');

/**
 * Styles are injected at run time by Fluent UI (Griffel), hence 'unsafe-inline' for styles
 * only; scripts come from this origin alone. Downloads of generated keys use blob: URLs.
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
].join('; ');

const NOT_BUILT = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Keyward admin center</title></head>
<body><h1>The admin center is not built</h1>
<p>Run <code>npm run build:web</code> in the repository root (<code>npm start</code> does it for you), then reload this page.
The API is served as usual under <code>/v1</code>.</p></body></html>
`;

export interface WebUiOptions {
  /** Where the built UI is; web/dist of this checkout unless a test points elsewhere. */
  distDir?: string;
}

export async function webUiRoutes(app: FastifyInstance, options: WebUiOptions = {}): Promise<void> {
  const dist = options.distDir ?? DEFAULT_DIST;
  await app.register(async (scope) => {
    // serve: false: only the routes below exist; sendFile is all this file takes from the plugin.
    await scope.register(fastifyStatic, { serve: false });
    scope.addHook('onSend', async (_request, reply) => {
      void reply.header('content-security-policy', CONTENT_SECURITY_POLICY);
      void reply.header('x-content-type-options', 'nosniff');
      void reply.header('referrer-policy', 'no-referrer');
    });

    const page = { config: { public: true }, schema: { hide: true } };
    // Checked on every request, not at start: a build made while the server runs is picked up.
    const sendIndex = (reply: FastifyReply) => {
      if (!existsSync(join(dist, 'index.html'))) return reply.status(503).type('text/html; charset=utf-8').send(NOT_BUILT);
      return reply.header('cache-control', 'no-cache').sendFile('index.html', dist, { cacheControl: false });
    };
    for (const path of CLIENT_ROUTES) scope.get(path, page, (_request, reply) => sendIndex(reply));

    // Vite names assets by content hash, so they may be cached for good.
    scope.get<{ Params: { '*': string } }>('/assets/*', page, (request, reply) =>
      reply.sendFile(`assets/${request.params['*']}`, dist, { immutable: true, maxAge: '365d' }),
    );
  });
}
