import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';
import type { Clock } from '../ports/clock.js';
import { ERROR_STATUS, ERROR_TITLE, isKeywardError, KeywardError, type ErrorCode } from '../domain/errors.js';

/**
 * Every error leaves as RFC 9457 problem details with a stable `code`. Anything that is not a
 * KeywardError or a framework validation error is logged and answered with a generic 500, so
 * no internal message (which might hold a path, a key id or worse) reaches a client.
 */
export function sendProblem(reply: FastifyReply, error: KeywardError, clock: Clock): FastifyReply {
  const status = ERROR_STATUS[error.code];
  const body: Record<string, unknown> = {
    type: `urn:keyward:problem:${error.code.toLowerCase().replaceAll('_', '-')}`,
    title: ERROR_TITLE[error.code],
    status,
    detail: error.detail,
    code: error.code,
  };
  if (error.retryAfter) {
    body.retryAfter = error.retryAfter.toISOString();
    void reply.header('retry-after', Math.max(0, Math.ceil((error.retryAfter.getTime() - clock.now().getTime()) / 1000)));
  }
  if (error.code === 'ENVIRONMENT_UPDATING') void reply.header('retry-after', 5);
  return reply.status(status).type('application/problem+json').send(body);
}

/** Maps the framework's own errors (bad JSON, schema mismatch, body too large…) to our codes. */
function fromFrameworkError(error: FastifyError): KeywardError | undefined {
  const as = (code: ErrorCode, detail: string) => new KeywardError(code, detail);
  if (error.validation) {
    const where = error.validationContext ?? 'request';
    return as('VALIDATION_FAILED', `Invalid ${where}: ${error.message.replace(/^(body|params|querystring|headers)\/?/, '')}`);
  }
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return as('PAYLOAD_TOO_LARGE', 'The request body is larger than this server accepts; send a smaller file or fewer rows at once.');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return as('VALIDATION_FAILED', 'Send the body as application/json.');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return as('VALIDATION_FAILED', 'The body is empty; send a JSON object.');
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return as('VALIDATION_FAILED', 'The body is not valid JSON.');
  }
  if (error instanceof SyntaxError || error.statusCode === 400) return as('VALIDATION_FAILED', 'The body is not valid JSON.');
  return undefined;
}

export function installProblemHandlers(app: FastifyInstance, clock: Clock): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (isKeywardError(error)) {
      if (error.code === 'INTERNAL') request.log.error({ code: error.code, detail: error.detail }, 'internal failure');
      return sendProblem(reply, error, clock);
    }
    const mapped = fromFrameworkError(error);
    if (mapped) return sendProblem(reply, mapped, clock);
    request.log.error({ err: error }, 'unhandled error');
    return sendProblem(reply, new KeywardError('INTERNAL', 'Something went wrong on the server; it has been logged.'), clock);
  });
  app.setNotFoundHandler((request, reply) =>
    sendProblem(reply, new KeywardError('NOT_FOUND', `No route ${request.method} ${request.url.split('?')[0] ?? ''}.`), clock),
  );
}
