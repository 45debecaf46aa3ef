import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { AppDeps } from '../../app/deps.js';
import { createTenant } from '../../app/create-tenant.js';
import { getTenant } from '../../app/get-tenant.js';
import { enableCmk } from '../../app/enable-cmk.js';
import { addUser } from '../../app/add-user.js';
import { principalOf } from '../auth.js';
import { CmkBody, CreatedUser, Tenant, TenantBody, TenantParams, UserBody } from '../schemas.js';
import { createdUserView, tenantView } from '../views.js';

export function tenantRoutes(app: FastifyInstance, deps: AppDeps): void {
  app.post<{ Body: TenantBody }>(
    '/v1/tenants',
    { schema: { tags: ['operator'], summary: 'Create a tenant (operator)', body: TenantBody, response: { 201: Tenant } } },
    async (request, reply) => {
      const tenant = await createTenant(deps, principalOf(request), request.body);
      return reply.status(201).send(tenantView(tenant));
    },
  );

  app.get<{ Params: { tenantId: string } }>(
    '/v1/tenants/:tenantId',
    { schema: { tags: ['operator'], summary: 'Read a tenant', params: TenantParams, response: { 200: Tenant } } },
    async (request) => tenantView(await getTenant(deps, principalOf(request), request.params.tenantId)),
  );

  app.post<{ Params: { tenantId: string }; Body: { enabled: true } }>(
    '/v1/tenants/:tenantId/cmk',
    {
      schema: {
        tags: ['operator'],
        summary: 'Turn customer-managed keys on for an eligible tenant (R1, operator)',
        params: TenantParams,
        body: CmkBody,
        response: { 200: Tenant },
      },
    },
    async (request) => tenantView(await enableCmk(deps, principalOf(request), request.params.tenantId)),
  );

  app.post<{ Params: { tenantId: string }; Body: UserBody }>(
    '/v1/tenants/:tenantId/users',
    {
      schema: {
        tags: ['operator'],
        summary: 'Add a person with roles; answers their token once (operator, global-admin)',
        params: TenantParams,
        body: UserBody,
        response: { 201: CreatedUser },
      },
    },
    async (request, reply) => {
      const { user, token } = await addUser(deps, principalOf(request), request.params.tenantId, request.body);
      return reply.status(201).send(createdUserView(user, token));
    },
  );
}

export const NoContent = Type.Null({ description: 'No content' });
