import type { paths } from './schema';

/**
 * Every route the admin center calls, as the server's own OpenAPI document describes it
 * (schema.d.ts, written by `npm run web:api`). A route the UI needs before the server
 * documents it is typed from API.md in a pending-paths.ts beside this file, in the same shape,
 * and merged here until the document has it.
 */
export type ApiPaths = paths;

type Json<R> = R extends { content: { 'application/json': infer T } } ? T : never;

export type Tenant = Json<ApiPaths['/v1/tenants/{tenantId}']['get']['responses'][200]>;
export type Environment = Json<ApiPaths['/v1/environments/{envId}']['get']['responses'][200]>;
export type EnvironmentType = Json<ApiPaths['/v1/tenants/{tenantId}/environments']['post']['requestBody']>['type'];
export type CreatedUser = Json<ApiPaths['/v1/tenants/{tenantId}/users']['post']['responses'][201]>;
export type Role = CreatedUser['roles'][number];
export type Key = Json<ApiPaths['/v1/tenants/{tenantId}/keys']['get']['responses'][200]>['items'][number];
export type Operation = Json<ApiPaths['/v1/operations/{operationId}']['get']['responses'][200]>;
export type Backup = Json<ApiPaths['/v1/environments/{envId}/backups']['get']['responses'][200]>['items'][number];

/** The route templates as the OpenAPI document names them, for capability checks. */
export type RouteTemplate = Extract<keyof ApiPaths, string>;
