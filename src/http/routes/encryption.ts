import type { FastifyInstance } from 'fastify';
import { fail } from '../../domain/errors.js';
import type { AppDeps } from '../../app/deps.js';
import { applyTenantKey } from '../../app/encryption/apply-tenant-key.js';
import { returnToProvider } from '../../app/encryption/return-to-provider.js';
import { unlockEnvironment } from '../../app/encryption/unlock-environment.js';
import { getOperation } from '../../app/operations/get-operation.js';
import { listAudit, verifyAudit } from '../../app/read-audit.js';
import { principalOf } from '../auth.js';
import {
  ApplyTenantKeyBody,
  AuditList,
  AuditQuery,
  AuditVerdict,
  AuditVerifyQuery,
  EmptyBody,
  EnvironmentParams,
  Operation,
  OperationAnswer,
  OperationParams,
  ReturnToProviderBody,
  TenantParams,
} from '../schemas.js';
import { operationView } from '../views.js';

type Env = { Params: { envId: string } };
const tags = ['encryption'];

/** API.md "Environment encryption", operations and the audit log. */
export function encryptionRoutes(app: FastifyInstance, deps: AppDeps): void {
  app.post<Env & { Body: { acknowledgeDowntime?: boolean } }>(
    '/v1/environments/:envId/encryption/apply-tenant-key',
    {
      schema: {
        tags,
        summary: 'Protect the environment with the active tenant key (R11)',
        params: EnvironmentParams,
        body: ApplyTenantKeyBody,
        response: { 202: OperationAnswer },
      },
    },
    async (request, reply) => {
      const { operation } = await applyTenantKey(deps, principalOf(request), request.params.envId, request.body.acknowledgeDowntime === true);
      return reply.status(202).send({ operation: operationView(operation) });
    },
  );

  app.post<Env & { Body: { confirmation?: string } }>(
    '/v1/environments/:envId/encryption/return-to-provider',
    {
      schema: {
        tags,
        summary: 'Protect the environment with the provider key again (R12)',
        params: EnvironmentParams,
        body: ReturnToProviderBody,
        response: { 202: OperationAnswer },
      },
    },
    async (request, reply) => {
      const { operation } = await returnToProvider(deps, principalOf(request), request.params.envId, request.body.confirmation);
      return reply.status(202).send({ operation: operationView(operation) });
    },
  );

  app.post<Env>(
    '/v1/environments/:envId/encryption/unlock',
    {
      schema: {
        tags,
        summary: 'Unlock a locked environment after its key was unlocked (R15)',
        params: EnvironmentParams,
        body: EmptyBody,
        response: { 202: OperationAnswer },
      },
    },
    async (request, reply) => {
      const { operation } = await unlockEnvironment(deps, principalOf(request), request.params.envId);
      return reply.status(202).send({ operation: operationView(operation) });
    },
  );

  app.get<{ Params: { operationId: string } }>(
    '/v1/operations/:operationId',
    { schema: { tags: ['operations'], summary: 'A long operation and its progress', params: OperationParams, response: { 200: Operation } } },
    async (request) => operationView(await getOperation(deps, principalOf(request), request.params.operationId)),
  );

  app.get<{ Params: { tenantId: string }; Querystring: { afterSeq?: string; limit?: string } }>(
    '/v1/tenants/:tenantId/audit',
    {
      schema: {
        tags: ['audit'],
        summary: 'The audit log, in order, a page at a time',
        params: TenantParams,
        querystring: AuditQuery,
        response: { 200: AuditList },
      },
    },
    async (request) => {
      const { afterSeq, limit } = request.query;
      const items = await listAudit(deps, principalOf(request), request.params.tenantId, {
        afterSeq: afterSeq ? Number(afterSeq) : 0,
        limit: limit ? Number(limit) : 1000,
      });
      return {
        items: items.map((e) => ({
          seq: e.seq,
          at: e.at.toISOString(),
          actor: e.actor,
          action: e.action,
          target: e.target,
          outcome: e.outcome,
          detail: e.detail,
          hash: e.hash,
        })),
      };
    },
  );

  app.get<{ Params: { tenantId: string }; Querystring: { anchorSeq?: string; anchorHash?: string } }>(
    '/v1/tenants/:tenantId/audit/verify',
    {
      schema: {
        tags: ['audit'],
        summary: 'Checks the keyed chain of the whole audit log, and that it still passes through an e-mailed anchor',
        params: TenantParams,
        querystring: AuditVerifyQuery,
        response: { 200: AuditVerdict },
      },
    },
    async (request) => {
      const { anchorSeq, anchorHash } = request.query;
      if ((anchorSeq === undefined) !== (anchorHash === undefined))
        fail('VALIDATION_FAILED', 'Give both anchorSeq and anchorHash, from one key-change e-mail.');
      const anchor = anchorSeq !== undefined && anchorHash !== undefined ? { seq: Number(anchorSeq), hash: anchorHash } : undefined;
      return verifyAudit(deps, principalOf(request), request.params.tenantId, anchor);
    },
  );
}
