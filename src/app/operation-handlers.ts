import type { GiveUpHandlers, OperationHandlers } from '../jobs/operation-handler.js';
import { runCopy } from './backups/copy-environment.js';
import { runReset } from './backups/reset-environment.js';
import { runRestore } from './backups/restore-backup.js';
import type { AppDeps } from './deps.js';
import { runApplyTenantKey } from './encryption/apply-tenant-key.js';
import { settleProtectionChange } from './encryption/protection-change.js';
import { runReturnToProvider } from './encryption/return-to-provider.js';
import { runUnlockEnvironment } from './encryption/unlock-environment.js';
import { giveUpActivation, runActivateKey } from './keys/activate-key.js';
import { runLockTenant } from './keys/lock-shred.js';
import { runUnlockKey } from './keys/unlock-key.js';
import { runRotateEngineKey } from './engines/rotate-engine-key.js';

/**
 * The run half of every long operation: a full record over the operation types
 * (domain/operation.ts), so a new type does not compile until it has its handler here. Each
 * handler lives beside the request half that queues it.
 */
export function operationHandlers(deps: AppDeps): OperationHandlers {
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
    'rotate-engine-key': (ctx) => runRotateEngineKey(deps, ctx),
  };
}

/** What is left to clean up when the runner gives an operation up (see GiveUpHandlers). */
export function giveUpHandlers(deps: AppDeps): GiveUpHandlers {
  return {
    'activate-key': (op, reason) => giveUpActivation(deps, op, reason),
    'apply-tenant-key': (op, reason) => settleProtectionChange(deps, op, reason),
    'return-to-provider': (op, reason) => settleProtectionChange(deps, op, reason),
  };
}
