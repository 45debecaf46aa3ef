import { fail } from './errors.js';

/**
 * The admin connection of an external engine, given once at environment creation as
 * `mysql://user:password@host:port` (SPEC E1). Keyward uses it only to stop the engine and to ask
 * which key versions it still uses. The password is sealed by the vault; nothing here ever puts
 * it (or the URL that holds it) in a message: errors name the part that is wrong, not its value.
 */
export interface EngineAdminTarget {
  kind: 'mariadb';
  host: string;
  port: number;
  user: string;
  password: string;
}

/** What may be shown of an admin connection: everything but the password. */
export interface EngineAdminView {
  kind: 'mariadb';
  host: string;
  port: number;
  user: string;
}

const EXAMPLE = 'mysql://keyward:<password>@db.example.com:3306';
const refuse = (what: string): never => fail('VALIDATION_FAILED', `The engine admin URL ${what}; write it as ${EXAMPLE}.`);

/** Parses and checks an admin URL; VALIDATION_FAILED (without echoing it) when it is anything else. */
export function parseEngineAdminUrl(text: string): EngineAdminTarget {
  if (typeof text !== 'string' || text.length > 2048) return refuse('must be a text of at most 2048 characters');
  if (!/^mysql:\/\//i.test(text)) return refuse('must start with mysql://');
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return refuse('is not a valid URL (percent-encode special characters in the user name and password)');
  }
  if (url.pathname !== '' && url.pathname !== '/') return refuse('must not name a database or path');
  if (url.search !== '' || url.hash !== '') return refuse('must not carry query parameters or a fragment');
  if (!url.hostname) return refuse('must name the host');
  if (!url.port) return refuse('must give the port explicitly');
  const user = decode(url.username, 'user name');
  const password = decode(url.password, 'password');
  if (!user) return refuse('must give the user name of the account Keyward stops the engine with');
  if (!password) return refuse('must give that account’s password');
  if (user.length > 128) return refuse('has a user name longer than 128 characters');
  return { kind: 'mariadb', host: url.hostname.replace(/^\[(.*)\]$/, '$1'), port: Number(url.port), user, password };
}

function decode(part: string, what: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return refuse(`has a badly percent-encoded ${what}`);
  }
}

export function viewOfEngineAdmin(target: EngineAdminTarget): EngineAdminView {
  return { kind: target.kind, host: target.host, port: target.port, user: target.user };
}

/** The admin URL again from its parts (the password unsealed for one call), in the one form parse accepts. */
export function formatEngineAdminUrl(target: EngineAdminTarget): string {
  const host = target.host.includes(':') ? `[${target.host}]` : target.host;
  return `mysql://${encodeURIComponent(target.user)}:${encodeURIComponent(target.password)}@${host}:${target.port}`;
}

/** `host:port` as a socket address is written (IPv6 in brackets), for messages. */
export function engineAddress(target: { host: string; port: number }): string {
  return `${target.host.includes(':') ? `[${target.host}]` : target.host}:${target.port}`;
}
