import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { isKeywardError } from '../../../domain/errors.js';
import { MariaDbEngineControl } from './mariadb-engine-control.js';
import { tcpReachability } from './tcp-reachability.js';

/** Real sockets, no MariaDB: what the control says when the other end is not a working engine. */
const PASSWORD = 'pw-that-must-not-leak';
const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await new Promise((r) => s.close(r));
});

async function listening(onConnection: (socket: Socket) => void = () => undefined): Promise<number> {
  const server = createServer(onConnection);
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as { port: number }).port;
}

async function freePort(): Promise<number> {
  const port = await listening();
  await new Promise((r) => servers.pop()!.close(r));
  return port;
}

const control = new MariaDbEngineControl({ clock: { now: () => new Date() }, connectTimeoutMs: 300, downDeadlineMs: 1_000, pollIntervalMs: 20 });
const url = (port: number) => `mysql://keyward:${PASSWORD}@127.0.0.1:${port}`;

describe('MariaDB engine control against sockets that are not a working engine', () => {
  it('tells refused, accepted and silent ports apart', async () => {
    expect(await tcpReachability('127.0.0.1', await freePort(), 300)).toBe('refused');
    expect(await tcpReachability('127.0.0.1', await listening(), 300)).toBe('accepted');
  });

  it('a port nothing listens on: probe says down, stop says already down', async () => {
    const port = await freePort();
    expect(await control.probe(url(port))).toEqual({ state: 'down' });
    expect(await control.stop(url(port))).toMatchObject({ ok: true, alreadyDown: true });
  });

  it('a server that accepts and never speaks: unknown, unreachable, and the password never shows', async () => {
    const port = await listening();
    const probe = await control.probe(url(port));
    expect(probe).toMatchObject({ state: 'unknown', reason: 'unreachable' });
    const stop = await control.stop(url(port));
    expect(stop).toMatchObject({ ok: false, reason: 'unreachable' });
    expect(!stop.ok && stop.detail).toMatch(/127\.0\.0\.1:\d+ did not answer/);
    expect(JSON.stringify([probe, stop])).not.toContain(PASSWORD);
  });

  it('a server that answers garbage: protocol', async () => {
    const port = await listening((socket) => socket.end('HTTP/1.1 400 Bad Request\r\n\r\n'));
    const probe = await control.probe(url(port));
    expect(probe.state).toBe('unknown');
    expect(JSON.stringify(probe)).not.toContain(PASSWORD);
  });

  it('refuses an admin URL that is not mysql://user:password@host:port without echoing it', async () => {
    const error = await control.stop(`postgres://keyward:${PASSWORD}@127.0.0.1:5432`).catch((e: unknown) => e);
    expect(isKeywardError(error) && error.code).toBe('VALIDATION_FAILED');
    expect(String((error as Error).message)).not.toContain(PASSWORD);
  });
});
