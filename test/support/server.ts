import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
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
 * itself early), a server that dies before it answers is returned all the same, dead.
 */
export async function startServer(env: Record<string, string> = {}, options: { mayDie?: boolean } = {}): Promise<TestServer> {
  const dataDir = env.KEYWARD_DATA_DIR ?? mkdtempSync(join(tmpdir(), 'keyward-e2e-'));
  const port = await freePort();
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

  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      if (options.mayDie) break;
      throw new Error(`server exited with ${child.exitCode ?? child.signalCode}:\n${output}`);
    }
    try {
      if ((await fetch(`${url}/healthz`)).ok) break;
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

/** A small HTTP client: JSON in and out, a bearer token when given. */
export function client(baseUrl: string) {
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
    const response = await fetch(`${baseUrl}${path}`, { method, headers, ...(payload !== undefined ? { body: payload } : {}) });
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
