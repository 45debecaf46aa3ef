import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../../app/deps.js';
import { createTable } from '../../app/create-table.js';
import { deleteRow, getRow, insertRow, listRows, updateRow } from '../../app/rows.js';
import { principalOf } from '../auth.js';
import { EnvironmentParams, Row, RowBody, RowList, RowListQuery, RowParams, TableBody, TableParams } from '../schemas.js';
import { NoContent } from './tenants.js';

type TableRoute = { Params: { envId: string; table: string } };
type RowRoute = { Params: { envId: string; table: string; rowId: string } };

export function dataRoutes(app: FastifyInstance, deps: AppDeps): void {
  app.post<{ Params: { envId: string }; Body: TableBody }>(
    '/v1/environments/:envId/tables',
    {
      schema: {
        tags: ['data'],
        summary: 'Create a table in the encrypted database',
        params: EnvironmentParams,
        body: TableBody,
        response: { 201: TableBody },
      },
    },
    async (request, reply) => reply.status(201).send(await createTable(deps, principalOf(request), request.params.envId, request.body)),
  );

  app.post<TableRoute & { Body: RowBody }>(
    '/v1/environments/:envId/tables/:table/rows',
    { schema: { tags: ['data'], summary: 'Insert a row', params: TableParams, body: RowBody, response: { 201: Row } } },
    async (request, reply) => {
      const { envId, table } = request.params;
      return reply.status(201).send(await insertRow(deps, principalOf(request), envId, table, request.body));
    },
  );

  app.get<TableRoute & { Querystring: { limit?: string; after?: string } }>(
    '/v1/environments/:envId/tables/:table/rows',
    {
      schema: {
        tags: ['data'],
        summary: 'List rows in id order, a page at a time',
        params: TableParams,
        querystring: RowListQuery,
        response: { 200: RowList },
      },
    },
    async (request) => {
      const { envId, table } = request.params;
      const { limit, after } = request.query;
      return listRows(deps, principalOf(request), envId, table, { limit: limit ? Number(limit) : 100, ...(after ? { after } : {}) });
    },
  );

  app.get<RowRoute>(
    '/v1/environments/:envId/tables/:table/rows/:rowId',
    { schema: { tags: ['data'], summary: 'Read a row', params: RowParams, response: { 200: Row } } },
    async (request) => {
      const { envId, table, rowId } = request.params;
      return getRow(deps, principalOf(request), envId, table, rowId);
    },
  );

  app.patch<RowRoute & { Body: RowBody }>(
    '/v1/environments/:envId/tables/:table/rows/:rowId',
    { schema: { tags: ['data'], summary: 'Change some cells of a row', params: RowParams, body: RowBody, response: { 200: Row } } },
    async (request) => {
      const { envId, table, rowId } = request.params;
      return updateRow(deps, principalOf(request), envId, table, rowId, request.body);
    },
  );

  app.delete<RowRoute>(
    '/v1/environments/:envId/tables/:table/rows/:rowId',
    { schema: { tags: ['data'], summary: 'Delete a row', params: RowParams, response: { 204: NoContent } } },
    async (request, reply) => {
      const { envId, table, rowId } = request.params;
      await deleteRow(deps, principalOf(request), envId, table, rowId);
      return reply.status(204).send();
    },
  );
}
