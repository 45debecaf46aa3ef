// Issue 13, finding 4 (SPEC F1), on the real server: a body trickled byte by byte is cut off at
// the request timeout, and connections beyond the cap are closed as they arrive, so no client
// can hold the server's sockets indefinitely.
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../support/server.js';

let server: TestServer;
let port: number;

beforeAll(async () => {
  server = await startServer({ KEYWARD_REQUEST_TIMEOUT_MS: '1500', KEYWARD_MAX_CONNECTIONS: '6', KEYWARD_KEEP_ALIVE_TIMEOUT_MS: '200' });
  port = Number(new URL(server.url).port);
});
afterAll(async () => {
  await server?.stop();
});

interface Opened {
  socket: Socket;
  closed: Promise<void>;
  received: () => string;
}

function open(): Promise<Opened> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let data = '';
    socket.on('data', (chunk: Buffer) => (data += chunk.toString()));
    const closed = new Promise<void>((done) => socket.on('close', () => done()));
    socket.on('error', () => undefined);
    socket.once('connect', () => resolve({ socket, closed, received: () => data }));
    socket.once('error', reject);
  });
}

/** Resolves true when `closed` settles within `ms`, false otherwise. */
const closesWithin = (closed: Promise<void>, ms: number) =>
  Promise.race([closed.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), ms).unref())]);

describe('slow clients', () => {
  it.each([
    ['unauthenticated', '', /^HTTP\/1\.1 401/],
    ['authenticated', 'operator', /^HTTP\/1\.1 408/],
  ])('a body trickled one byte at a time is cut off at the request timeout (%s)', async (_name, who, answer) => {
    const client = await open();
    const auth = who === 'operator' ? `Authorization: Bearer ${server.operatorToken}\r\n` : '';
    client.socket.write(`POST /v1/tenants HTTP/1.1\r\nHost: x\r\n${auth}Content-Type: application/json\r\nContent-Length: 100000\r\n\r\n{`);
    const trickle = setInterval(() => client.socket.write(' '), 100);
    try {
      // Without a request timeout this socket would stay open as long as the client trickles.
      expect(await closesWithin(client.closed, 10_000)).toBe(true);
    } finally {
      clearInterval(trickle);
      client.socket.destroy();
    }
    expect(client.received()).toMatch(answer);
  });

  it('connections beyond the cap are closed as they arrive; a slot freed is usable again', async () => {
    const sockets = await Promise.all(Array.from({ length: 10 }, () => open()));
    try {
      const closedAtOnce = await Promise.all(sockets.map((s) => closesWithin(s.closed, 1_000)));
      // Each is idle (no request yet), so only the cap can have closed them this soon (the
      // start-up poll's kept-alive connection may still hold one of the six slots).
      expect(closedAtOnce.filter(Boolean).length).toBeGreaterThanOrEqual(4);
      expect(closedAtOnce.filter((c) => !c).length).toBeLessThanOrEqual(6);
    } finally {
      for (const s of sockets) s.socket.destroy();
    }
    await Promise.all(sockets.map((s) => s.closed));
    // The server counts a slot free once it has seen the close, a moment after the client did.
    const deadline = Date.now() + 5_000;
    let status = 0;
    while (status !== 200 && Date.now() < deadline)
      status = await fetch(`${server.url}/healthz`).then(
        (r) => r.status,
        () => 0,
      );
    expect(status).toBe(200);
  });
});
