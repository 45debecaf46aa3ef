/**
 * Errors are data: one type, one code from SPEC.md, one table to HTTP statuses.
 * A `detail` is shown to people as it is, so it must never hold key material, passwords,
 * tokens or wrapped keys; it says what went wrong and what to do instead.
 */
export const ERROR_STATUS = {
  VALIDATION_FAILED: 400,
  ACKNOWLEDGEMENT_REQUIRED: 400,
  CONFIRMATION_MISMATCH: 400,
  INVALID_KEY_FILE: 400,
  BAD_PASSWORD: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  PAYLOAD_TOO_LARGE: 413,
  CMK_NOT_ENABLED: 409,
  CMK_NOT_ELIGIBLE: 409,
  ENVIRONMENT_NOT_ELIGIBLE: 409,
  DUPLICATE_KEY: 409,
  ACTIVATION_COOLDOWN: 409,
  LOCK_COOLDOWN: 409,
  UNLOCK_TOO_EARLY: 409,
  LOCKED_ENVIRONMENTS_EXIST: 409,
  NO_ACTIVE_KEY: 409,
  KEY_MISMATCH: 409,
  CONFLICT: 409,
  ENVIRONMENT_LOCKED: 423,
  RATE_LIMITED: 429,
  INTERNAL: 500,
  ENVIRONMENT_UPDATING: 503,
} as const satisfies Record<string, number>;

export type ErrorCode = keyof typeof ERROR_STATUS;

export const ERROR_CODES = Object.keys(ERROR_STATUS) as ErrorCode[];

/** Short human titles for problem details (`title` is per code, `detail` per occurrence). */
export const ERROR_TITLE: Record<ErrorCode, string> = {
  VALIDATION_FAILED: 'The request is malformed',
  ACKNOWLEDGEMENT_REQUIRED: 'The risk or downtime must be acknowledged',
  CONFIRMATION_MISMATCH: 'The confirmation text does not match',
  INVALID_KEY_FILE: 'The key file cannot be used',
  BAD_PASSWORD: 'The password does not open the key file',
  UNAUTHENTICATED: 'A valid bearer token is required',
  FORBIDDEN: 'Your roles do not allow this action',
  NOT_FOUND: 'Not found',
  PAYLOAD_TOO_LARGE: 'The request body is too large',
  CMK_NOT_ENABLED: 'Customer-managed keys are not enabled for this tenant',
  CMK_NOT_ELIGIBLE: 'The tenant is not eligible for customer-managed keys',
  ENVIRONMENT_NOT_ELIGIBLE: 'The environment cannot use a tenant key',
  DUPLICATE_KEY: 'The tenant already has this key',
  ACTIVATION_COOLDOWN: 'A key was activated too recently',
  LOCK_COOLDOWN: 'A key changed too recently to lock',
  UNLOCK_TOO_EARLY: 'The lock is too recent to unlock',
  LOCKED_ENVIRONMENTS_EXIST: 'The tenant has locked environments',
  NO_ACTIVE_KEY: 'No active tenant key in this region',
  KEY_MISMATCH: 'The key is not the one required',
  CONFLICT: 'Another operation is in progress',
  ENVIRONMENT_LOCKED: 'The environment is locked',
  RATE_LIMITED: 'Too many requests',
  INTERNAL: 'Internal error',
  ENVIRONMENT_UPDATING: 'The environment is being updated',
};

export class KeywardError extends Error {
  readonly code: ErrorCode;
  readonly detail: string;
  /** For time gates: when the refused action becomes possible. */
  readonly retryAfter: Date | undefined;

  constructor(code: ErrorCode, detail: string, retryAfter?: Date) {
    super(`${code}: ${detail}`);
    this.name = 'KeywardError';
    this.code = code;
    this.detail = detail;
    this.retryAfter = retryAfter;
  }

  get status(): number {
    return ERROR_STATUS[this.code];
  }
}

export function isKeywardError(value: unknown): value is KeywardError {
  return value instanceof KeywardError;
}

export const fail = (code: ErrorCode, detail: string, retryAfter?: Date): never => {
  throw new KeywardError(code, detail, retryAfter);
};
