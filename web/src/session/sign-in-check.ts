import { fetchRouteList } from '../api/client';
import { problemFromResponse, toProblem } from '../api/problem';
import { parseRouteList, type RouteList } from './route-list';

/**
 * Checks a token by reading the OpenAPI document (every signed-in caller may), which also tells
 * the UI which routes this server offers. Throws the problem when the token is refused.
 */
export async function checkToken(token: string): Promise<RouteList> {
  let response: Response;
  try {
    response = await fetchRouteList(token);
  } catch (error) {
    throw toProblem(error);
  }
  const body: unknown = await response.json().catch(() => undefined);
  if (!response.ok) throw problemFromResponse(response, body);
  return parseRouteList(body);
}
