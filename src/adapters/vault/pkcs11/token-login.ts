import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { OaepHash } from '../../../ports/vault.js';
import { ck, type Handle, type Pkcs11Api } from './pkcs11-api.js';
import { ckrOf, describeFailure, isPinRefusal, pinRefused } from './pkcs11-errors.js';

/**
 * PKCS#11 state is per process, not per object: C_Initialize/C_Finalize act on the whole module,
 * and a login on one session logs in every session of the process on that token (and C_Logout,
 * or closing the last session, logs them all out). So several vaults in one process (tests, or
 * two wirings of the same token) must share one initialisation and one login, counted here, or
 * one vault's close() would log the others out under their feet.
 *
 * The login lives on an "anchor" session that no operation ever uses: the session pool may close
 * any of its sessions after a fault without the token falling back to public state.
 */
export interface TokenLogin {
  readonly slot: Handle;
  /** What the token's self-test found, shared by every vault on this login. */
  capabilities: { oaepHashes?: OaepHash[] };
  /** Drops this vault's share; the last one logs out and finalises. Never throws. */
  release(p: Pkcs11Api): void;
}

interface ModuleState {
  refs: number;
  ownsInit: boolean;
  tokens: Map<string, TokenState>;
}

interface TokenState {
  refs: number;
  slot: Handle;
  anchor: Handle;
  ownsLogin: boolean;
  pinTag: Buffer;
  capabilities: { oaepHashes?: OaepHash[] };
}

const modules = new Map<string, ModuleState>();
/** Modules this process initialised whose C_Finalize failed: still ours to finalise. */
const unfinalised = new Set<string>();
/** Refused PINs (by tag) and locked tokens: never sent to the token again from this process. */
const refused = new Map<string, Error>();
/** PINs are compared by HMAC under a key that never leaves this process, so no PIN is kept. */
const pinKey = randomBytes(32);
const tagOf = (pin: string): Buffer => createHmac('sha256', pinKey).update(pin, 'utf8').digest();

/**
 * Initialises the module (once per process), finds the token by label and logs in (once per
 * process and token). Synchronous on purpose: no other vault can interleave between the checks
 * and the updates of the shared counts.
 */
export function loginToToken(p: Pkcs11Api, modulePath: string, tokenLabel: string, pin: string): TokenLogin {
  const module = acquireModule(p, modulePath);
  try {
    const token = acquireToken(p, module, modulePath, tokenLabel, pin);
    let released = false;
    return {
      slot: token.slot,
      capabilities: token.capabilities,
      release(releaser: Pkcs11Api): void {
        if (released) return;
        released = true;
        releaseToken(releaser, module, tokenLabel, token);
        releaseModule(releaser, modulePath, module);
      },
    };
  } catch (error) {
    releaseModule(p, modulePath, module);
    throw error;
  }
}

function acquireModule(p: Pkcs11Api, modulePath: string): ModuleState {
  let module = modules.get(modulePath);
  if (!module) {
    let ownsInit = true;
    try {
      // OS locking: encrypt/decrypt run on libuv's thread pool, several sessions at once.
      p.C_Initialize({ flags: ck.CKF_OS_LOCKING_OK });
    } catch (error) {
      if (ckrOf(error) !== 'CKR_CRYPTOKI_ALREADY_INITIALIZED') {
        // It may have initialised all the same (a fault after the fact): if the next attempt
        // finds it initialised, that initialisation is ours to finalise.
        unfinalised.add(modulePath);
        throw new Error(
          `The PKCS#11 module could not be initialised (${describeFailure(error)}); check KEYWARD_PKCS11_MODULE and the module's own configuration.`,
        );
      }
      // Initialised by someone else in this process: theirs to finalise, unless it was us.
      ownsInit = unfinalised.has(modulePath);
    }
    unfinalised.delete(modulePath);
    module = { refs: 0, ownsInit, tokens: new Map() };
    modules.set(modulePath, module);
  }
  module.refs += 1;
  return module;
}

function releaseModule(p: Pkcs11Api, modulePath: string, module: ModuleState): void {
  module.refs -= 1;
  if (module.refs > 0) return;
  modules.delete(modulePath);
  if (!module.ownsInit) return;
  try {
    p.C_Finalize();
  } catch {
    unfinalised.add(modulePath);
  }
}

function findSlot(p: Pkcs11Api, tokenLabel: string): Handle {
  const slots = p.C_GetSlotList(true);
  const labels = slots.map((slot) => p.C_GetTokenInfo(slot).label.trimEnd());
  const matching = slots.filter((_, i) => labels[i] === tokenLabel);
  if (matching.length === 1) return matching[0]!;
  const found = labels.filter((label) => label !== '').map((label) => JSON.stringify(label));
  if (matching.length === 0) {
    throw new Error(
      `No PKCS#11 token is labelled ${JSON.stringify(tokenLabel)} (KEYWARD_PKCS11_TOKEN_LABEL); ` +
        `the module shows ${found.length === 0 ? 'no initialised token' : `these tokens: ${found.join(', ')}`}.`,
    );
  }
  throw new Error(`${matching.length} PKCS#11 tokens are labelled ${JSON.stringify(tokenLabel)}; give the token Keyward uses a label of its own.`);
}

function acquireToken(p: Pkcs11Api, module: ModuleState, modulePath: string, tokenLabel: string, pin: string): TokenState {
  const pinTag = tagOf(pin);
  const existing = module.tokens.get(tokenLabel);
  if (existing) {
    // The token would accept any PIN now (the process is logged in): check it ourselves.
    if (!timingSafeEqual(existing.pinTag, pinTag)) {
      throw new Error(`Another vault in this process is logged in to token ${JSON.stringify(tokenLabel)} with a different PIN (KEYWARD_PKCS11_PIN).`);
    }
    existing.refs += 1;
    return existing;
  }
  const lockKey = `${modulePath}\0${tokenLabel}`;
  const earlier = refused.get(lockKey) ?? refused.get(`${lockKey}\0${pinTag.toString('hex')}`);
  if (earlier) throw earlier;

  const slot = findSlot(p, tokenLabel);
  const anchor = p.C_OpenSession(slot, ck.CKF_SERIAL_SESSION | ck.CKF_RW_SESSION);
  let ownsLogin = true;
  try {
    p.C_Login(anchor, ck.CKU_USER, pin);
  } catch (error) {
    const ckr = ckrOf(error);
    if (ckr === 'CKR_USER_ALREADY_LOGGED_IN') {
      ownsLogin = false;
    } else {
      closeQuietly(p, anchor);
      if (isPinRefusal(error)) {
        const refusal = pinRefused(ckr!, tokenLabel);
        // A locked token refuses every PIN; a wrong PIN is never sent twice (a new one may be).
        refused.set(ckr === 'CKR_PIN_LOCKED' ? lockKey : `${lockKey}\0${pinTag.toString('hex')}`, refusal);
        throw refusal;
      }
      throw new Error(`Logging in to PKCS#11 token ${JSON.stringify(tokenLabel)} failed (${describeFailure(error)}).`);
    }
  }
  const token: TokenState = { refs: 1, slot, anchor, ownsLogin, pinTag, capabilities: {} };
  module.tokens.set(tokenLabel, token);
  return token;
}

function releaseToken(p: Pkcs11Api, module: ModuleState, tokenLabel: string, token: TokenState): void {
  token.refs -= 1;
  if (token.refs > 0) return;
  module.tokens.delete(tokenLabel);
  if (token.ownsLogin) {
    try {
      p.C_Logout(token.anchor);
    } catch {
      // Closing the last session (or C_Finalize) logs out all the same.
    }
  }
  closeQuietly(p, token.anchor);
}

function closeQuietly(p: Pkcs11Api, session: Handle): void {
  try {
    p.C_CloseSession(session);
  } catch {
    // Already gone (device reset, finalised): nothing left to close.
  }
}
