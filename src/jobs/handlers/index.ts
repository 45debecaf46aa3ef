import type { OperationType } from '../../domain/operation.js';
import type { OperationHandler } from '../operation-handler.js';
import { runActivateKey } from './activate-key.js';
import { runCopy } from './copy.js';
import { runApplyTenantKey, runReturnToProvider, runUnlockEnvironment } from './environment-protection.js';
import type { HandlerDeps } from './handler-deps.js';
import { runLockTenant } from './lock-tenant.js';
import { runReset } from './reset.js';
import { runRestore } from './restore.js';
import { runUnlockKey } from './unlock-key.js';

/** The handler of every long operation this server runs. */
export function operationHandlers(deps: HandlerDeps): Partial<Record<OperationType, OperationHandler>> {
  return {
    'activate-key': (ctx) => runActivateKey(deps, ctx),
    'lock-tenant': (ctx) => runLockTenant(deps, ctx),
    'unlock-key': (ctx) => runUnlockKey(deps, ctx),
    'apply-tenant-key': (ctx) => runApplyTenantKey(deps, ctx),
    'return-to-provider': (ctx) => runReturnToProvider(deps, ctx),
    'unlock-environment': (ctx) => runUnlockEnvironment(deps, ctx),
    restore: (ctx) => runRestore(deps, ctx),
    copy: (ctx) => runCopy(deps, ctx),
    reset: (ctx) => runReset(deps, ctx),
  };
}
