import { isKeywardError } from '../../../domain/errors.js';
import { CKS_RW_USER_FUNCTIONS, ck, type Handle, type Pkcs11Api } from './pkcs11-api.js';

/**
 * A few read/write sessions on one token, opened on demand. A PKCS#11 session runs one operation
 * at a time, so each operation leases a session for its whole duration (init + final call).
 *
 * A session that saw a PKCS#11 failure is closed, not reused: after a fault it may hold a
 * half-done operation or an open search, and the next C_EncryptInit would fail on it. The login
 * does not depend on these sessions (see token-login.ts), so closing them is always safe.
 */
export class SessionPool {
  private readonly idle: Handle[] = [];
  private readonly waiters: Array<(session: Handle | undefined) => void> = [];
  private opened = 0;
  private leased = 0;
  private closed = false;
  private drained: (() => void) | undefined;

  constructor(
    private readonly p: Pkcs11Api,
    private readonly slot: Handle,
    private readonly size: number,
  ) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError('The PKCS#11 session pool holds at least one session.');
  }

  async use<T>(operation: (session: Handle) => T | Promise<T>): Promise<T> {
    const session = await this.acquire();
    let result: T;
    try {
      result = await operation(session);
    } catch (error) {
      // Our own refusals (CONFLICT, …) leave the session clean; anything from the token does not.
      if (isKeywardError(error)) this.release(session);
      else this.discard(session);
      throw error;
    }
    this.release(session);
    return result;
  }

  /** Closes every session once the operations in flight are done; later uses throw. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const waiter of this.waiters.splice(0)) waiter(undefined);
    if (this.leased > 0) await new Promise<void>((resolve) => (this.drained = resolve));
    for (const session of this.idle.splice(0)) this.closeQuietly(session);
  }

  private async acquire(): Promise<Handle> {
    for (;;) {
      if (this.closed) throw new Error('The PKCS#11 vault is closed.');
      const idle = this.idle.pop();
      if (idle) {
        this.leased += 1;
        return idle;
      }
      if (this.opened < this.size) {
        this.opened += 1;
        try {
          const session = this.open();
          this.leased += 1;
          return session;
        } catch (error) {
          this.opened -= 1;
          // The room this open would have used is free again: hand it to the next waiter, or
          // it waits for a release that may never come (every leased session discarded).
          this.waiters.shift()?.(undefined);
          throw error;
        }
      }
      const handed = await new Promise<Handle | undefined>((resolve) => this.waiters.push(resolve));
      if (handed) return handed; // the lease passed to us with the session
      // undefined: a session was discarded (or the pool closed); go round and open one.
    }
  }

  private open(): Handle {
    const session = this.p.C_OpenSession(this.slot, ck.CKF_SERIAL_SESSION | ck.CKF_RW_SESSION);
    try {
      // A session of a process that is not logged in would find no private object at all and
      // answer "no such key" to every question: refuse it rather than answer wrongly.
      if (this.p.C_GetSessionInfo(session).state !== CKS_RW_USER_FUNCTIONS) {
        throw new Error('The HSM session is not logged in (the token was reset or logged out); restart Keyward to log in again.');
      }
    } catch (error) {
      this.closeQuietly(session);
      throw error;
    }
    return session;
  }

  private release(session: Handle): void {
    if (this.closed) {
      this.leased -= 1;
      this.opened -= 1;
      this.closeQuietly(session);
      this.checkDrained();
      return;
    }
    const waiter = this.waiters.shift();
    if (waiter) {
      waiter(session); // the lease passes on with the session
      return;
    }
    this.leased -= 1;
    this.idle.push(session);
  }

  private discard(session: Handle): void {
    this.leased -= 1;
    this.opened -= 1;
    this.closeQuietly(session);
    this.waiters.shift()?.(undefined);
    this.checkDrained();
  }

  private checkDrained(): void {
    if (this.closed && this.leased === 0) this.drained?.();
  }

  private closeQuietly(session: Handle): void {
    try {
      this.p.C_CloseSession(session);
    } catch {
      // A session the token already dropped.
    }
  }
}
