import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client, startServer, type TestServer } from '../support/server.js';
import { createSoftHsmToken, requireSoftHsm, type SoftHsmToken } from '../support/softhsm.js';
import { startSmtpServer, type TestSmtpServer } from '../mail/smtp-test-server.js';
import { listTokenObjects } from '../vault/token-objects.js';
import { playSeedStory } from './seed-story.js';

/**
 * The seed story with every key in a PKCS#11 token (SoftHSM2): provider key, tenant keys,
 * BYOK exchange keys; DEKs unwrapped inside the token. After the lock, a search of the token
 * finds no object of any destroyed key.
 */
const SUITE = 'key lifecycle end to end (PKCS#11 vault on SoftHSM2)';
const idOf = (handle: string) => Buffer.from(handle).toString('hex');

if (requireSoftHsm(SUITE)) {
  describe(SUITE, () => {
    let token: SoftHsmToken;
    let server: TestServer;
    let smtp: TestSmtpServer;
    beforeAll(async () => {
      token = await createSoftHsmToken();
      smtp = await startSmtpServer();
      server = await startServer({ ...token.env, KEYWARD_SMTP_URL: `smtp://127.0.0.1:${smtp.port}` });
    }, 60_000);
    afterAll(async () => {
      await server?.stop();
      await smtp?.close();
      await token?.cleanup();
    });

    it('plays the seed story, and the lock leaves no object of the destroyed keys in the token', { timeout: 300_000 }, async () => {
      let searched = false;
      let lockingKey = '';
      await playSeedStory({
        api: client(server.url),
        operatorToken: server.operatorToken,
        smtp,
        environments: 6,
        afterLock: (destroyed) => {
          const objects = listTokenObjects(token);
          expect(objects.some((o) => o.class === 'secret')).toBe(true); // the provider key stays
          for (const keyId of destroyed) {
            expect(
              objects.filter((o) => o.id === idOf(keyId) || o.label === keyId),
              `objects of ${keyId}`,
            ).toEqual([]);
          }
          searched = true;
          lockingKey = destroyed[1]!;
        },
      });
      expect(searched).toBe(true);
      // The search finds keys when they are there: the locking key, unlocked again, is back.
      expect(listTokenObjects(token).filter((o) => o.label === lockingKey && o.class === 'private')).toHaveLength(1);
      expect(server.output()).not.toContain(token.pin);
    });
  });
}
