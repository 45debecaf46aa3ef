import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../../app/deps.js';
import { copyEnvironment } from '../../app/backups/copy-environment.js';
import { createBackup } from '../../app/backups/create-backup.js';
import { listBackups } from '../../app/backups/list-backups.js';
import { resetEnvironment } from '../../app/backups/reset-environment.js';
import { restoreBackup } from '../../app/backups/restore-backup.js';
import type { Backup as BackupRecord } from '../../ports/backup-store.js';
import { principalOf } from '../auth.js';
import { Backup, BackupBody, BackupList, CopyBody, RestoreBody } from '../backup-schemas.js';
import { EmptyBody, EnvironmentParams, OperationAnswer } from '../schemas.js';
import { operationView } from '../views.js';

type Env = { Params: { envId: string } };
const tags = ['database operations'];

const backupView = (b: BackupRecord) => ({
  id: b.id,
  environmentId: b.environmentId,
  label: b.label,
  createdAt: b.createdAt.toISOString(),
  protector: b.protector,
  sizeBytes: b.sizeBytes,
});

/** API.md "Environment encryption and database operations": backups, restore, copy, reset. */
export function backupRoutes(app: FastifyInstance, deps: AppDeps): void {
  app.post<Env & { Body: BackupBody }>(
    '/v1/environments/:envId/backups',
    {
      schema: {
        tags,
        summary: "Back up the environment's database (online, under its own data key)",
        params: EnvironmentParams,
        body: BackupBody,
        response: { 201: Backup },
      },
    },
    async (request, reply) => {
      const backup = await createBackup(deps, principalOf(request), request.params.envId, request.body.label);
      return reply.status(201).send(backupView(backup));
    },
  );

  app.get<Env>(
    '/v1/environments/:envId/backups',
    { schema: { tags, summary: "The environment's backups, oldest first", params: EnvironmentParams, response: { 200: BackupList } } },
    async (request) => ({ items: (await listBackups(deps, principalOf(request), request.params.envId)).map(backupView) }),
  );

  app.post<Env & { Body: RestoreBody }>(
    '/v1/environments/:envId/restore',
    {
      schema: {
        tags,
        summary: 'Replace the data with a backup of this environment or of one protected by the same key (R16)',
        params: EnvironmentParams,
        body: RestoreBody,
        response: { 202: OperationAnswer },
      },
    },
    async (request, reply) => {
      const { operation } = await restoreBackup(deps, principalOf(request), request.params.envId, request.body);
      return reply.status(202).send({ operation: operationView(operation) });
    },
  );

  app.post<Env & { Body: CopyBody }>(
    '/v1/environments/:envId/copy',
    {
      schema: {
        tags,
        summary: "Replace the data with a copy of another environment's, protected by the same key (R17)",
        params: EnvironmentParams,
        body: CopyBody,
        response: { 202: OperationAnswer },
      },
    },
    async (request, reply) => {
      const { operation } = await copyEnvironment(deps, principalOf(request), request.params.envId, request.body.sourceEnvironmentId);
      return reply.status(202).send({ operation: operationView(operation) });
    },
  );

  app.post<Env>(
    '/v1/environments/:envId/reset',
    {
      schema: {
        tags,
        summary: 'Shred the data and every backup; start again empty on the provider key (R18)',
        params: EnvironmentParams,
        body: EmptyBody,
        response: { 202: OperationAnswer },
      },
    },
    async (request, reply) => {
      const { operation } = await resetEnvironment(deps, principalOf(request), request.params.envId);
      return reply.status(202).send({ operation: operationView(operation) });
    },
  );
}
