import type { OperationContext } from '../operation-handler.js';
import type { HandlerDeps } from './handler-deps.js';
import { replaceDatabase } from './restore.js';

/** R17: a copy is a restore whose source is the other environment's live database (restore.ts). */
export const runCopy = (deps: HandlerDeps, ctx: OperationContext): Promise<void> => replaceDatabase(deps, ctx, undefined);
