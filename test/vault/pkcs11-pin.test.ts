import pkcs11js from 'pkcs11js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Pkcs11Vault } from '../../src/adapters/vault/pkcs11/pkcs11-vault.js';
import { wrapPkcs11 } from '../support/faulty-pkcs11.js';
import { createSoftHsmToken, requireSoftHsm, type SoftHsmToken } from '../support/softhsm.js';
import { withTokenSession } from './token-objects.js';

const SUITE = 'PKCS#11 vault: PIN and configuration errors';

/** A module whose every C_Login is counted (no faults): how often did we try a PIN? */
function countingModule(modulePath: string) {
  const loaded = new pkcs11js.PKCS11();
  loaded.load(modulePath);
  return wrapPkcs11(loaded, { failureRate: 0, seed: 1 });
}

/** Read without logging in: a login would reset the token's failure count. */
const tokenFlags = (t: SoftHsmToken) => withTokenSession(t, (p, _session, slot) => p.C_GetTokenInfo(slot).flags, { login: false });

if (requireSoftHsm(SUITE)) {
  describe(SUITE, () => {
    let guarded: SoftHsmToken;
    let locked: SoftHsmToken;
    beforeAll(async () => {
      guarded = await createSoftHsmToken();
      locked = await createSoftHsmToken();
    });
    afterAll(async () => {
      await guarded?.cleanup();
      await locked?.cleanup();
    });

    it('a wrong PIN fails the start once, names the setting, never shows the PIN, and is never sent again', async () => {
      const wrongPin = 'not-the-pin-4711';
      const counted = countingModule(guarded.modulePath);
      const vault = new Pkcs11Vault({ modulePath: guarded.modulePath, tokenLabel: guarded.tokenLabel, pin: wrongPin, pkcs11: counted });
      const failure = await vault.init().then(
        () => undefined,
        (e: unknown) => e as Error,
      );
      expect(failure?.message).toMatch(/CKR_PIN_INCORRECT/);
      expect(failure?.message).toMatch(/KEYWARD_PKCS11_PIN/);
      expect(failure?.message).not.toContain(wrongPin);
      expect(counted.calls.get('C_Login')).toBe(1);

      // Trying again (a caller's retry loop, a second vault with the same setting) reaches no token.
      await expect(vault.init()).rejects.toThrow(/KEYWARD_PKCS11_PIN/);
      const again = new Pkcs11Vault({ modulePath: guarded.modulePath, tokenLabel: guarded.tokenLabel, pin: wrongPin, pkcs11: counted });
      await expect(again.init()).rejects.toThrow(/KEYWARD_PKCS11_PIN/);
      expect(counted.calls.get('C_Login')).toBe(1);

      // The token counted one failure (SoftHSM2 shows it as "count low"), not a lockout.
      const flags = tokenFlags(guarded);
      expect(flags & pkcs11js.CKF_USER_PIN_COUNT_LOW).not.toBe(0);
      expect(flags & pkcs11js.CKF_USER_PIN_FINAL_TRY).toBe(0);
      expect(flags & pkcs11js.CKF_USER_PIN_LOCKED).toBe(0);

      // The right PIN (a new setting) is a new attempt, and works.
      const right = new Pkcs11Vault({ modulePath: guarded.modulePath, tokenLabel: guarded.tokenLabel, pin: guarded.pin, pkcs11: counted });
      await right.init();
      expect(counted.calls.get('C_Login')).toBe(2);
      await right.close();
    });

    it('a locked PIN stops every later start on that token, whatever the PIN', async () => {
      const counted = countingModule(locked.modulePath);
      let logins = 0;
      const lockedToken = new Proxy(counted, {
        get(target, property, receiver) {
          if (property !== 'C_Login') return Reflect.get(target, property, receiver) as unknown;
          return () => {
            logins += 1;
            throw new pkcs11js.Pkcs11Error(`CKR_PIN_LOCKED:${pkcs11js.CKR_PIN_LOCKED}`, pkcs11js.CKR_PIN_LOCKED, 'C_Login');
          };
        },
      });
      const make = (pin: string) => new Pkcs11Vault({ modulePath: locked.modulePath, tokenLabel: locked.tokenLabel, pin, pkcs11: lockedToken });
      await expect(make('one').init()).rejects.toThrow(/CKR_PIN_LOCKED.*security officer/);
      await expect(make(locked.pin).init()).rejects.toThrow(/CKR_PIN_LOCKED/);
      expect(logins).toBe(1);
    });

    it('names the token labels it found when the configured one is absent', async () => {
      const vault = new Pkcs11Vault({ modulePath: guarded.modulePath, tokenLabel: 'no-such-token', pin: guarded.pin });
      const message = await vault.init().then(
        () => '',
        (e: Error) => e.message,
      );
      expect(message).toMatch(/No PKCS#11 token is labelled "no-such-token" \(KEYWARD_PKCS11_TOKEN_LABEL\)/);
      expect(message).toContain(JSON.stringify(guarded.tokenLabel));
      expect(message).toContain(JSON.stringify(locked.tokenLabel));
    });

    it('says which setting is wrong when the module cannot be loaded', async () => {
      const vault = new Pkcs11Vault({ modulePath: '/nonexistent/libpkcs11.so', tokenLabel: 'x', pin: 'y' });
      await expect(vault.init()).rejects.toThrow(/KEYWARD_PKCS11_MODULE/);
    });
  });
}
