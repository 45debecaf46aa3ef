import type { RouteTemplate } from '../api/types';

/** Which routes and methods the server's OpenAPI document lists. */
export type RouteList = ReadonlyMap<string, ReadonlySet<string>>;

export function parseRouteList(document: unknown): RouteList {
  const paths = (document as { paths?: Record<string, Record<string, unknown>> } | null)?.paths ?? {};
  return new Map(Object.entries(paths).map(([path, item]) => [path, new Set(Object.keys(item ?? {}))]));
}

export const offersRoute = (routes: RouteList, route: RouteTemplate, method: 'get' | 'post'): boolean =>
  routes.get(route)?.has(method) ?? false;
