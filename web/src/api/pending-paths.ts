/**
 * Routes of API.md that this server's OpenAPI document does not describe yet: backups, restore,
 * copy and reset were not built when the admin center was. Written from API.md in the shape
 * openapi-typescript generates, so every call is typed the same way. Restore and copy take the
 * target environment as `{envId}`, as the server names it (API.md writes `{targetEnvId}`).
 * `types.ts` lets a generated path win over an entry here: once `npm run web:api` brings a
 * route in, delete its entry (and this file when it is empty). The UI shows these sections only
 * when the server's document lists the route (see session/route-list.ts).
 */
import type { paths } from './schema';

type Operation = paths['/v1/operations/{operationId}']['get']['responses'][200]['content']['application/json'];

export interface Backup {
  id: string;
  environmentId: string;
  label: string | null;
  createdAt: string;
}

type Ok<T> = { headers: { [name: string]: unknown }; content: { 'application/json': T } };
type Params<P> = { query?: never; header?: never; path: P; cookie?: never };
interface Get<P, R> {
  parameters: Params<P>;
  requestBody?: never;
  responses: { 200: Ok<R> };
}
interface Post<P, B, S extends number, R> {
  parameters: Params<P>;
  requestBody: { content: { 'application/json': B } };
  responses: { [K in S]: Ok<R> };
}
type Method = 'get' | 'put' | 'post' | 'delete' | 'options' | 'head' | 'patch' | 'trace';
type Item<Ops extends Partial<Record<Method, unknown>>> = {
  parameters: { query?: never; header?: never; path?: never; cookie?: never };
} & { [M in Exclude<Method, keyof Ops>]?: never } & Ops;

type EnvPath = { envId: string };
type Started = { operation: Operation };

export interface PendingPaths {
  '/v1/environments/{envId}/backups': Item<{
    get: Get<EnvPath, { items: Backup[] }>;
    post: Post<EnvPath, { label?: string }, 201, Backup>;
  }>;
  '/v1/environments/{envId}/restore': Item<{ post: Post<EnvPath, { sourceEnvironmentId: string; backupId: string }, 202, Started> }>;
  '/v1/environments/{envId}/copy': Item<{ post: Post<EnvPath, { sourceEnvironmentId: string }, 202, Started> }>;
  '/v1/environments/{envId}/reset': Item<{ post: Post<EnvPath, Record<string, never>, 202, Started> }>;
}
