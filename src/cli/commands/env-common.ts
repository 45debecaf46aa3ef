import type { Environment } from '../api-types.js';
import type { Ctx } from '../context.js';
import { seg } from '../http-client.js';

/** Shared by the env commands: a destructive one names its target in full before asking. */
export function getEnvironment(ctx: Ctx, envId: string): Promise<Environment> {
  return ctx.api.get<Environment>(`/v1/environments/${seg(envId)}`);
}

export const describe = (e: Environment): string => `${e.name} (${e.id}, ${e.type}, ${e.region})`;
