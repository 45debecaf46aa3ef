import type { paths } from './schema';
import type { PendingPaths } from './pending-paths';

/**
 * Every route the admin center calls. The generated `paths` (from the server's own OpenAPI
 * document) win: a pending entry only fills a gap the document still has.
 */
export type ApiPaths = paths & Omit<PendingPaths, keyof paths>;

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
