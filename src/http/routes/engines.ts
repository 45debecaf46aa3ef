import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../../app/deps.js';
import { issueEngineToken } from '../../app/engines/issue-engine-token.js';
import { rotateEngineKey } from '../../app/engines/rotate-engine-key.js';
import { principalOf } from '../auth.js';
import { engineVaultUrl } from '../engine-key-service.js';
import { EngineToken } from '../engine-schemas.js';
import { EmptyBody, EnvironmentParams, OperationAnswer } from '../schemas.js';
import { operationView } from '../views.js';

type Env = { Params: { envId: string } };
const tags = ['engines'];

/**
 * API.md "Environments on an external engine": the engine's token (for MariaDB's my.cnf) and the
 * rotation of its keys. The keys themselves are served by engine-key-service.ts.
 */
export function engineRoutes(app: FastifyInstance, deps: AppDeps, options: { publicUrl: string }): void {
  app.post<Env>(
    '/v1/environments/:envId/engine/token',
    {
      schema: {
        tags,
        summary: "Issue the engine's key-service token (shown once; replaces the previous one at once)",
        params: EnvironmentParams,
        body: EmptyBody,
        response: { 201: EngineToken },
      },
    },
    async (request, reply) => {
      const { environmentId, token } = await issueEngineToken(deps, principalOf(request), request.params.envId);
      return reply
        .status(201)
        .header('cache-control', 'no-store')
        .send({ vaultUrl: engineVaultUrl(options.publicUrl, environmentId), token });
    },
  );

  app.post<Env>(
    '/v1/environments/:envId/engine/rotate-key',
    {
      schema: {
        tags,
        summary: "Serve a new latest version of the engine's keys (older versions stay served)",
        params: EnvironmentParams,
        body: EmptyBody,
        response: { 202: OperationAnswer },
      },
    },
    async (request, reply) => {
      const { operation } = await rotateEngineKey(deps, principalOf(request), request.params.envId);
      return reply.status(202).send({ operation: operationView(operation) });
    },
  );
}
