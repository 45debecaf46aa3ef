import { expect } from 'vitest';
import { client, type Answer } from './server.js';

export type Call = ReturnType<typeof client>;

/** A client that spreads its requests over several server instances, round robin. */
export function spreadClient(urls: string[]): Call {
  const clients = urls.map((url) => client(url));
  let next = 0;
  return (method, path, options) => {
    const call = clients[next++ % clients.length]!;
    return call(method, path, options);
  };
}

export function expectCode(answer: Answer, status: number, code: string): Answer {
  expect(answer.status, `${code}: ${JSON.stringify(answer.body)}`).toBe(status);
  expect(answer.body.code).toBe(code);
  return answer;
}

export function expectStatus(answer: Answer, status: number): Answer {
  expect(answer.status, JSON.stringify(answer.body)).toBe(status);
  return answer;
}

/** Polls an operation until it ends (real time: the runner works on real time). */
export async function waitForOperation(api: Call, token: string, operationId: string, timeoutMs = 60_000): Promise<any> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const answer = await api('GET', `/v1/operations/${operationId}`, { token });
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    if (answer.body.status !== 'running') return answer.body;
    if (Date.now() > deadline) throw new Error(`operation ${operationId} still running: ${JSON.stringify(answer.body)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function expectSucceeded(api: Call, token: string, answer: Answer): Promise<any> {
  expect(answer.status, JSON.stringify(answer.body)).toBe(202);
  const op = await waitForOperation(api, token, answer.body.operation.id);
  expect(op.status, JSON.stringify(op)).toBe('succeeded');
  expect(op.progress.done).toBe(op.progress.total);
  return op;
}

export const HOUR = 3600;

export async function advance(api: Call, operatorToken: string, seconds: number): Promise<void> {
  expectStatus(await api('POST', '/v1/dev/clock', { token: operatorToken, body: { advanceSeconds: seconds } }), 200);
}
