import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../../app/deps.js';
import { createEnvironment } from '../../app/create-environment.js';
import { listEnvironments } from '../../app/list-environments.js';
import { getEnvironment } from '../../app/get-environment.js';
import { deleteEnvironment } from '../../app/delete-environment.js';
import { probeEngine } from '../../app/engines/probe-engine.js';
import { principalOf } from '../auth.js';
import { Environment, EnvironmentBody, EnvironmentList, EnvironmentParams, TenantParams } from '../schemas.js';
import { environmentView } from '../views.js';
import { NoContent } from './tenants.js';

export function environmentRoutes(app: FastifyInstance, deps: AppDeps): void {
  app.post<{ Params: { tenantId: string }; Body: EnvironmentBody }>(
    '/v1/tenants/:tenantId/environments',
    {
      schema: {
        tags: ['environments'],
        summary: 'Create an environment: its own DEK and encrypted database, or a MariaDB server Keyward keys',
        params: TenantParams,
        body: EnvironmentBody,
        response: { 201: Environment },
      },
    },
    async (request, reply) => {
      const actor = principalOf(request);
      const env = await createEnvironment(deps, actor, request.params.tenantId, request.body);
      const { tenant } = await getEnvironment(deps, actor, env.id);
      return reply.status(201).send(environmentView(env, tenant));
    },
  );

  app.get<{ Params: { tenantId: string } }>(
    '/v1/tenants/:tenantId/environments',
    { schema: { tags: ['environments'], summary: "List the tenant's environments", params: TenantParams, response: { 200: EnvironmentList } } },
    async (request) => {
      const { tenant, items } = await listEnvironments(deps, principalOf(request), request.params.tenantId);
      return { items: items.map((e) => environmentView(e, tenant)) };
    },
  );

  app.get<{ Params: { envId: string } }>(
    '/v1/environments/:envId',
    {
      schema: {
        tags: ['environments'],
        summary: 'Read an environment (with a bounded probe of its engine, if it has one)',
        params: EnvironmentParams,
        response: { 200: Environment },
      },
    },
    async (request) => {
      const { tenant, environment } = await getEnvironment(deps, principalOf(request), request.params.envId);
      return environmentView(environment, tenant, await probeEngine(deps, environment));
    },
  );

  app.delete<{ Params: { envId: string } }>(
    '/v1/environments/:envId',
    {
      schema: {
        tags: ['environments'],
        summary: 'Delete an environment: its DEK is destroyed and its files removed',
        params: EnvironmentParams,
        response: { 204: NoContent },
      },
    },
    async (request, reply) => {
      await deleteEnvironment(deps, principalOf(request), request.params.envId);
      return reply.status(204).send();
    },
  );
}
