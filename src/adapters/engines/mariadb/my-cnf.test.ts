import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ENCRYPTION_AT_REST_LINES, keyServiceLines } from './my-cnf.js';

const DOC = join(import.meta.dirname, '../../../../docs/mariadb.md');
const README = join(import.meta.dirname, '../../../../README.md');

describe('my.cnf lines', () => {
  it('docs/mariadb.md shows exactly the lines the tests start mariadbd with', () => {
    const doc = readFileSync(DOC, 'utf8');
    const block = /<!-- my\.cnf:start -->\s*```ini\n([\s\S]*?)```\s*<!-- my\.cnf:end -->/.exec(doc)?.[1];
    const lines = keyServiceLines({
      vaultUrl: 'https://keyward.example.com/v1/keyward/<environment id>',
      token: '<engine token>',
      caFile: '/etc/mysql/keyward-ca.pem',
    });
    expect(block?.trimEnd().split('\n')).toEqual(['[mariadbd]', ...lines, ...ENCRYPTION_AT_REST_LINES]);
    // The README's "Protect a MariaDB server" shows the same lines.
    const readme = /<!-- readme-my\.cnf:start -->\s*```ini\n([\s\S]*?)```\s*<!-- readme-my\.cnf:end -->/.exec(readFileSync(README, 'utf8'))?.[1];
    expect(readme).toBe(block);
  });

  it('leaves out the CA line without a CA, and refuses values that would break out of their line', () => {
    const lines = keyServiceLines({ vaultUrl: 'http://127.0.0.1:8080/v1/keyward/env_a', token: 't', cacheVersionTimeoutMs: 0 });
    expect(lines.some((l) => l.includes('vault-ca'))).toBe(false);
    expect(lines).toContain('hashicorp-key-management-cache-version-timeout = 0');
    expect(() => keyServiceLines({ vaultUrl: 'http://x/v1/k/e', token: 't\ninnodb_encrypt_tables = OFF' })).toThrow(/single lines/);
  });
});
