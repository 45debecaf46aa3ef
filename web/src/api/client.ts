import createClient, { type Client } from 'openapi-fetch';
import type { ApiPaths } from './types';
import { problemFromResponse } from './problem';

export type Api = Client<ApiPaths>;

/**
 * The typed client for one signed-in session. The token goes on every request through a
 * middleware (never into a URL). A 401 means the token stopped working (revoked, server data
 * reset), so the session ends rather than every page showing the same error.
 */
export function createApi(token: string, onUnauthenticated: () => void): Api {
  const api = createClient<ApiPaths>({ baseUrl: window.location.origin });
  api.use({
    onRequest({ request }) {
      request.headers.set('authorization', `Bearer ${token}`);
      return request;
    },
    onResponse({ response }) {
      if (response.status === 401) onUnauthenticated();
      return undefined;
    },
  });
  return api;
}

interface Answer<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

/** The answer's data, or its problem thrown as an ApiProblem (for the page to show). */
export async function unwrap<T>(call: Promise<Answer<T>>): Promise<T> {
  const { data, error, response } = await call;
  if (!response.ok) throw problemFromResponse(response, error);
  return data as T;
}

/** The server's OpenAPI document: which routes this server offers (see session capabilities). */
export async function fetchRouteList(token: string): Promise<Response> {
  return fetch('/v1/openapi.json', { headers: { authorization: `Bearer ${token}` } });
}
