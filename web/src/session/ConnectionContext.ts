import { createContext, useContext } from 'react';
import type { Api } from '../api/client';
import type { RouteTemplate } from '../api/types';

/** A signed-in session: the typed client and what this server offers. */
export interface Connection {
  api: Api;
  /** Whether the server's OpenAPI document lists the route; sections whose routes it lacks say so instead of failing. */
  offers: (route: RouteTemplate, method: 'get' | 'post') => boolean;
  signOut: (reason?: string) => void;
}

export const ConnectionContext = createContext<Connection | null>(null);

export function useConnection(): Connection {
  const connection = useContext(ConnectionContext);
  if (!connection) throw new Error('useConnection outside a signed-in session');
  return connection;
}
