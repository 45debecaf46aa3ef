import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { webUiRoutes, CLIENT_ROUTES } from '../../src/http/routes/web-ui.js';
import { webBuildIsStale } from '../../scripts/build-web.js';
import { client, startServer, type TestServer } from '../support/server.js';
import { ensureWebBuilt } from './support/build.js';

/**
 * How the server serves the admin center: the client's paths answer index.html without a token;
 * the API keeps its own answers (problem-details 404s, 401 without a token); a missing build is
 * a short page, not a crash.
 */
let server: TestServer;
let api: ReturnType<typeof client>;

beforeAll(async () => {
  await ensureWebBuilt();
  server = await startServer();
  api = client(server.url);
});
afterAll(async () => {
  await server?.stop();
});

describe('serving the admin center', () => {
  it('is built and fresh after the build step', () => {
    expect(webBuildIsStale()).toBe(false);
  });

  it('answers every client path with index.html, without a token, with a strict CSP', async () => {
    for (const path of ['/', '/tenants', '/tenant', '/environments', '/environments/env_123', '/keys']) {
      const answer = await fetch(`${server.url}${path}`);
      expect(answer.status, path).toBe(200);
      expect(answer.headers.get('content-type'), path).toContain('text/html');
      expect(answer.headers.get('cache-control'), path).toBe('no-cache');
      expect(answer.headers.get('content-security-policy'), path).toContain("script-src 'self'");
      expect(await answer.text(), path).toContain('<div id="root"></div>');
    }
    expect(CLIENT_ROUTES).toContain('/environments/:envId');
  });

  it('serves the hashed assets index.html refers to, cacheable for good', async () => {
    const html = await (await fetch(`${server.url}/`)).text();
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    expect(script).toBeTruthy();
    const asset = await fetch(`${server.url}${script}`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('content-type')).toContain('javascript');
    expect(asset.headers.get('cache-control')).toContain('immutable');
    const missing = await api('GET', '/assets/nope-123.js');
    expect(missing.status).toBe(404);
    expect(missing.body.code).toBe('NOT_FOUND');
  });

  it('never falls back to index.html for the API, /healthz or /metrics', async () => {
    const unknown = await api('GET', '/v1/no-such-route', { token: server.operatorToken });
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get('content-type')).toContain('application/problem+json');
    expect(unknown.body.code).toBe('NOT_FOUND');
    expect((await api('GET', '/v1/no-such-route')).status).toBe(401);
    expect((await api('GET', '/v1/tenants/ten_nope', { token: server.operatorToken })).body.code).toBe('NOT_FOUND');
    expect((await api('GET', '/healthz')).body).toEqual({ status: 'ok' });
    expect((await api('GET', '/metrics')).status).toBe(401);
    expect((await api('GET', '/environments/a/b')).headers.get('content-type')).toContain('application/problem+json');
  });

  it('keeps the UI routes out of the OpenAPI document', async () => {
    const doc = await api('GET', '/v1/openapi.json', { token: server.operatorToken });
    expect(Object.keys(doc.body.paths).filter((p) => !p.startsWith('/v1/') && p !== '/healthz' && p !== '/metrics')).toEqual([]);
  });

  it('still serves every operation the UI was typed from, with the same request bodies', async () => {
    // web/src/api/openapi.json is what `npm run web:api` last wrote; the UI's types come from it.
    // API.md allows additions only, so each operation in it must still be served unchanged.
    type Doc = { paths: Record<string, Record<string, { requestBody?: unknown; responses?: Record<string, unknown> }>> };
    const typedFrom = JSON.parse(readFileSync(resolve(import.meta.dirname, '../../web/src/api/openapi.json'), 'utf8')) as Doc;
    const live = (await api('GET', '/v1/openapi.json', { token: server.operatorToken })).body as Doc;
    for (const [path, item] of Object.entries(typedFrom.paths)) {
      for (const [method, operation] of Object.entries(item)) {
        const served = live.paths[path]?.[method];
        expect(served, `${method.toUpperCase()} ${path} is gone; run npm run web:api and fix web/`).toBeDefined();
        expect(served?.requestBody, `${method.toUpperCase()} ${path} takes another body now; run npm run web:api`).toEqual(operation.requestBody);
        for (const status of Object.keys(operation.responses ?? {}))
          expect(Object.keys(served?.responses ?? {}), `${method} ${path}`).toContain(status);
      }
    }
  });

  it('answers a short page saying to build when web/dist is missing', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'keyward-no-dist-'));
    const app = Fastify();
    try {
      await webUiRoutes(app, { distDir: empty });
      const page = await app.inject({ method: 'GET', url: '/keys' });
      expect(page.statusCode).toBe(503);
      expect(page.headers['content-type']).toContain('text/html');
      expect(page.body).toContain('npm run build:web');
    } finally {
      await app.close();
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
