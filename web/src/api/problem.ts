/**
 * A refusal or failure as the UI shows it: the server's RFC 9457 problem (API.md conventions),
 * or one made here when the server could not be reached. `detail` is written for people and is
 * shown as it is.
 */
export class ApiProblem extends Error {
  readonly status: number;
  readonly code: string;
  readonly title: string;
  readonly detail: string;
  /** Time gates: when the action becomes possible (ISO, server time). */
  readonly retryAfter: string | undefined;
  /** Seconds until then, from the Retry-After header: right even when the server's clock is not the browser's. */
  readonly retryAfterSeconds: number | undefined;

  constructor(fields: {
    status: number;
    code: string;
    title: string;
    detail: string;
    retryAfter?: string | undefined;
    retryAfterSeconds?: number | undefined;
  }) {
    super(`${fields.code}: ${fields.detail}`);
    this.name = 'ApiProblem';
    this.status = fields.status;
    this.code = fields.code;
    this.title = fields.title;
    this.detail = fields.detail;
    this.retryAfter = fields.retryAfter;
    this.retryAfterSeconds = fields.retryAfterSeconds;
  }
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;
const text = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/** Builds the problem from an error answer; tolerates a body that is not problem details. */
export function problemFromResponse(response: Response, body: unknown): ApiProblem {
  const b = isRecord(body) ? body : {};
  const header = response.headers.get('retry-after');
  const seconds = header !== null && /^\d+$/.test(header) ? Number(header) : undefined;
  return new ApiProblem({
    status: response.status,
    code: text(b.code) ?? `HTTP_${response.status}`,
    title: text(b.title) ?? (response.statusText || 'The request failed'),
    detail: text(b.detail) ?? text(body) ?? `The server answered ${response.status}.`,
    retryAfter: text(b.retryAfter),
    retryAfterSeconds: seconds,
  });
}

export function toProblem(error: unknown): ApiProblem {
  if (error instanceof ApiProblem) return error;
  return new ApiProblem({
    status: 0,
    code: 'UNREACHABLE',
    title: 'The Keyward server cannot be reached',
    detail: 'Check that the server is running and your network connection, then try again.',
  });
}
