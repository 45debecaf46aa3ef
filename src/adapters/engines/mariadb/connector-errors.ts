import type { EngineFailureReason } from '../../../ports/engine.js';
import { isRefusal } from './tcp-reachability.js';

/**
 * The MariaDB connector's errors, sorted into what a caller can act on. Its messages are never
 * passed on: we write our own from the error number, so neither a password nor a query text can
 * reach a log line or an operation's result through them.
 */
export type ConnectorFault = { kind: 'refused' } | { kind: 'failure'; reason: EngineFailureReason; errno: number | string | undefined };

const AUTH_ERRNOS = new Set([1045, 1698, 1251]); // access denied (with, without password), unsupported auth plugin
const PRIVILEGE_ERRNOS = new Set([1227, 1044, 1142, 1143]); // needs a privilege; database, table, column access denied
const NETWORK_CODES = new Set([
  'ER_CONNECTION_TIMEOUT',
  'ER_SOCKET_TIMEOUT',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ECONNRESET',
  'EPIPE',
]);

export function classifyConnectorError(error: unknown): ConnectorFault {
  if (isRefusal(error)) return { kind: 'refused' };
  const { errno, code } = (typeof error === 'object' && error !== null ? error : {}) as { errno?: unknown; code?: unknown };
  const number = typeof errno === 'number' ? errno : undefined;
  const name = typeof code === 'string' ? code : undefined;
  if (number !== undefined && AUTH_ERRNOS.has(number)) return { kind: 'failure', reason: 'auth-failed', errno: number };
  if (number !== undefined && PRIVILEGE_ERRNOS.has(number)) return { kind: 'failure', reason: 'not-permitted', errno: number };
  if (name !== undefined && NETWORK_CODES.has(name)) return { kind: 'failure', reason: 'unreachable', errno: name };
  return { kind: 'failure', reason: 'protocol', errno: number ?? name };
}

/** A sentence for people: what happened at which address, with the error number, nothing else. */
export function describeFault(reason: EngineFailureReason, where: string, user: string, errno: number | string | undefined): string {
  const suffix = errno === undefined ? '' : ` (error ${errno})`;
  switch (reason) {
    case 'auth-failed':
      return `MariaDB at ${where} refused the credentials of the account "${user}"${suffix}; check the user name and password of the admin URL.`;
    case 'not-permitted':
      return `The account "${user}" at ${where} lacks a privilege${suffix}; grant it SHUTDOWN (to stop) and PROCESS (for key versions), see docs/mariadb.md.`;
    case 'unreachable':
      return `MariaDB at ${where} did not answer${suffix}; the engine may still be running.`;
    case 'still-up':
      return `MariaDB at ${where} accepted SHUTDOWN but its port kept accepting connections; it is not confirmed down.`;
    case 'protocol':
      return `The server at ${where} did not answer as MariaDB does${suffix}.`;
  }
}
