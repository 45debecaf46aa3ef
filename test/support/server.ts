import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/** A real Keyward server in a child process, as `npm start` runs it, on its own data dir. */
export interface TestServer {
  url: string;
  dataDir: string;
  operatorToken: string;
  output: () => string;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  /** Resolves when the process has ended, by itself or by a signal (`signal` names it). */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const ROOT = resolve(import.meta.dirname, '../..');

export async function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const server = createServer();
    server.unref();
    server.on('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => ok(port));
    });
  });
}

/**
 * Starts a server and waits until it answers /healthz. With `mayDie` (a crash test armed to kill
 * itself early), a server that dies before it answers is returned all the same, dead. With `ca`,
 * the server serves HTTPS (KEYWARD_TLS_CERT_FILE/KEY_FILE in `env`) with a certificate this CA
 * signed; the URL is https and readiness is asked over TLS trusting it.
 */
export async function startServer(env: Record<string, string> = {}, options: { mayDie?: boolean; ca?: string } = {}): Promise<TestServer> {
  const dataDir = env.KEYWARD_DATA_DIR ?? mkdtempSync(join(tmpdir(), 'keyward-e2e-'));
  // A given KEYWARD_PORT is kept: a restarted server can take its predecessor's place (engines know its URL).
  const port = env.KEYWARD_PORT ? Number(env.KEYWARD_PORT) : await freePort();
  // An empty KEYWARD_OPERATOR_TOKEN means: let the server make one, as on a newcomer's first start.
  const makesItsOwnToken = env.KEYWARD_OPERATOR_TOKEN === '';
  let operatorToken = env.KEYWARD_OPERATOR_TOKEN || `op_${Math.random().toString(36).slice(2)}_test_token`;
  const childEnv: Record<string, string | undefined> = {
    ...process.env,
    KEYWARD_DATA_DIR: dataDir,
    KEYWARD_PORT: String(port),
    KEYWARD_HOST: '127.0.0.1',
    KEYWARD_OPERATOR_TOKEN: operatorToken,
    KEYWARD_DEV_CLOCK: '1',
    KEYWARD_LOG_LEVEL: 'warn',
    ...env,
  };
  if (makesItsOwnToken) delete childEnv.KEYWARD_OPERATOR_TOKEN;
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'src/main/start.ts'], {
    cwd: ROOT,
    env: childEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const ended = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((ok) => child.on('exit', (code, signal) => ok({ code, signal })));
  const exited = ended.then((e) => e.code);

  const url = `${options.ca ? 'https' : 'http'}://127.0.0.1:${port}`;
  const healthz = client(url, options);
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      if (options.mayDie) break;
      throw new Error(`server exited with ${child.exitCode ?? child.signalCode}:\n${output}`);
    }
    try {
      if ((await healthz('GET', '/healthz')).status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`server did not start within 30 s:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  if (makesItsOwnToken) operatorToken = readFileSync(join(dataDir, 'operator-token'), 'utf8').trim();
  return {
    url,
    dataDir,
    operatorToken,
    output: () => output,
    exited: ended,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null) child.kill(signal);
      return exited;
    },
  };
}

export interface Answer {
  status: number;
  body: any;
  headers: Headers;
}

/** fetch's subset the client needs, over node:https trusting `ca` (fetch cannot be given a CA). */
function fetchTrusting(ca: string): (url: string, init: { method: string; headers: Record<string, string>; body?: string }) => Promise<Response> {
  return (url, init) =>
    new Promise((resolve, reject) => {
      const req = httpsRequest(url, { method: init.method, headers: init.headers, ca }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const headers = new Headers();
          for (const [name, value] of Object.entries(res.headers)) if (typeof value === 'string') headers.set(name, value);
          resolve(new Response(chunks.length > 0 ? Buffer.concat(chunks) : null, { status: res.statusCode ?? 0, headers }));
        });
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(init.body);
    });
}

/** A small HTTP client: JSON in and out, a bearer token when given; `ca` for an https server. */
export function client(baseUrl: string, options: { ca?: string } = {}) {
  const send = options.ca ? fetchTrusting(options.ca) : fetch;
  return async function call(
    method: string,
    path: string,
    options: { token?: string; body?: unknown; raw?: string; headers?: Record<string, string> } = {},
  ): Promise<Answer> {
    const headers: Record<string, string> = { ...(options.headers ?? {}) };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    let payload: string | undefined;
    if (options.raw !== undefined) payload = options.raw;
    else if (options.body !== undefined) payload = JSON.stringify(options.body);
    if (payload !== undefined && !headers['content-type']) headers['content-type'] = 'application/json';
    const response = await send(`${baseUrl}${path}`, { method, headers, ...(payload !== undefined ? { body: payload } : {}) });
    const text = await response.text();
    let body: any = text;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON (metrics)
    }
    return { status: response.status, body, headers: response.headers };
  };
}
