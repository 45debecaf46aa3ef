import { connect } from 'node:net';

/**
 * What one TCP connection attempt to host:port says, without speaking any protocol:
 * - `refused`: the host answered that nothing listens there (RST): the engine's listener is gone;
 * - `accepted`: something listens (the engine, or in the first moments of a shutdown, its backlog);
 * - `silent`: no answer before the timeout, or no route: this says nothing about the engine.
 * Only `refused` may count towards "confirmed down": a network partition must never look like a
 * stopped engine, or a lock would refuse keys to an engine that is still running.
 */
export type TcpReachability = 'refused' | 'accepted' | 'silent';

export function tcpReachability(host: string, port: number, timeoutMs: number): Promise<TcpReachability> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    let settled = false;
    const settle = (outcome: TcpReachability) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(outcome);
    };
    const timer = setTimeout(() => settle('silent'), timeoutMs);
    socket.once('connect', () => settle('accepted'));
    socket.once('error', (error) => settle(isRefusal(error) ? 'refused' : 'silent'));
  });
}

/** ECONNREFUSED, also when Node tried several addresses of a name and every one refused. */
export function isRefusal(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, errors } = error as { code?: unknown; errors?: unknown };
  if (code === 'ECONNREFUSED') return true;
  return Array.isArray(errors) && errors.length > 0 && errors.every(isRefusal);
}
