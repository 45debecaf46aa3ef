import type { RouteTemplate } from '../api/types';

/** Which routes and methods the server's OpenAPI document lists. */
export type RouteList = ReadonlyMap<string, ReadonlySet<string>>;

/**
 * Path parameters compare by position, not by name: API.md writes `{targetEnvId}` where the
 * server may name the same parameter `{envId}`; it is the same route.
 */
const shape = (template: string): string => template.replace(/\{[^}]+\}/g, '{}');

export function parseRouteList(document: unknown): RouteList {
  const paths = (document as { paths?: Record<string, Record<string, unknown>> } | null)?.paths ?? {};
  return new Map(Object.entries(paths).map(([path, item]) => [shape(path), new Set(Object.keys(item ?? {}))]));
}

export const offersRoute = (routes: RouteList, route: RouteTemplate, method: 'get' | 'post'): boolean =>
  routes.get(shape(route))?.has(method) ?? false;
