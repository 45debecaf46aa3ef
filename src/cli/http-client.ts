import { CliError, cliFail } from './cli-error.js';

/**
 * The CLI's only way to the server: the HTTP API of API.md, JSON in and out, the token as a
 * bearer header. Every failure becomes a CliError: a problem's own `code`, CONNECTION when the
 * server cannot be reached, BAD_ANSWER when something else answers.
 */
export interface Api {
  /** The server's origin, without any user:password part, for messages. */
  readonly origin: string;
  get<T>(path: string): Promise<T>;
  post<T>(path: string, body?: unknown): Promise<T>;
  delete(path: string): Promise<void>;
}

/** Long enough for a slow key generation (RSA + PBKDF2) on a busy server. */
const REQUEST_TIMEOUT_MS = 120_000;

export function apiClient(url: string, token: string | undefined): Api {
  let base: URL;
  try {
    base = new URL(url);
  } catch {
    return cliFail('USAGE', `Not a URL: ${JSON.stringify(url)}; pass --url http://host:port or set KEYWARD_URL.`);
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:') cliFail('USAGE', `The server URL must start with http:// or https://.`);
  const origin = `${base.protocol}//${base.host}`;
  const prefix = base.pathname.replace(/\/+$/, '');

  async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json, application/problem+json' };
    if (token !== undefined) headers.authorization = `Bearer ${token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    let response: Response;
    try {
      response = await fetch(`${origin}${prefix}${path}`, {
        method,
        headers,
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
    } catch (error) {
      throw new CliError(
        'CONNECTION',
        `Cannot reach the Keyward server at ${origin}: ${reason(error)}. Check --url or KEYWARD_URL, and that the server runs.`,
      );
    }
    const text = await response.text();
    if (response.ok) return (text === '' ? undefined : parse(text, response.status)) as T;
    throw problemOf(text, response.status);
  }

  return {
    origin,
    get: (path) => call('GET', path),
    post: (path, body = {}) => call('POST', path, body),
    delete: (path) => call('DELETE', path),
  };

  function parse(text: string, status: number): unknown {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new CliError('BAD_ANSWER', `The server at ${origin} answered HTTP ${status} with something that is not JSON; is --url a Keyward server?`);
    }
  }

  function problemOf(text: string, status: number): CliError {
    let problem: unknown;
    try {
      problem = JSON.parse(text);
    } catch {
      return new CliError('BAD_ANSWER', `The server at ${origin} answered HTTP ${status} without problem details; is --url a Keyward server?`);
    }
    const p = (problem ?? {}) as { code?: unknown; detail?: unknown; retryAfter?: unknown };
    if (typeof p.code !== 'string') return new CliError('BAD_ANSWER', `The server at ${origin} answered HTTP ${status} without an error code.`);
    const detail = typeof p.detail === 'string' ? p.detail : `HTTP ${status}`;
    return new CliError(p.code, detail, typeof p.retryAfter === 'string' ? p.retryAfter : undefined);
  }
}

/** The low-level reason of a failed fetch (ECONNREFUSED, ENOTFOUND, a timeout), never a header. */
function reason(error: unknown): string {
  if (error instanceof Error && error.name === 'TimeoutError') return `no answer within ${REQUEST_TIMEOUT_MS / 1000} s`;
  const cause = error instanceof Error ? (error.cause as { code?: unknown; message?: unknown } | undefined) : undefined;
  if (cause && typeof cause.code === 'string') return cause.code;
  if (cause && typeof cause.message === 'string') return cause.message;
  return error instanceof Error ? error.message : String(error);
}

/** Path segments from user input are encoded, so an id can never change the route. */
export const seg = (value: string): string => encodeURIComponent(value);
