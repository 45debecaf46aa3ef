import { describe, expect, it } from 'vitest';
import { engineAddress, formatEngineAdminUrl, parseEngineAdminUrl, viewOfEngineAdmin } from './engine-admin-url.js';
import { isKeywardError } from './errors.js';

const SECRET = 'S3cr3t-p@ss/word';
const encoded = encodeURIComponent(SECRET);

function refusal(text: string): string {
  try {
    parseEngineAdminUrl(text);
  } catch (error) {
    if (!isKeywardError(error)) throw error;
    expect(error.code).toBe('VALIDATION_FAILED');
    return error.detail;
  }
  throw new Error(`accepted ${text}`);
}

describe('engine admin URL', () => {
  it('parses mysql://user:password@host:port, percent-decoding the credentials', () => {
    const target = parseEngineAdminUrl(`mysql://keyward:${encoded}@db.example.com:3307`);
    expect(target).toEqual({ kind: 'mariadb', host: 'db.example.com', port: 3307, user: 'keyward', password: SECRET });
    expect(viewOfEngineAdmin(target)).toEqual({ kind: 'mariadb', host: 'db.example.com', port: 3307, user: 'keyward' });
  });

  it('takes IPv4 and bracketed IPv6 hosts, and a trailing slash', () => {
    expect(parseEngineAdminUrl('mysql://k:p@127.0.0.1:3306/').host).toBe('127.0.0.1');
    const v6 = parseEngineAdminUrl('mysql://k:p@[::1]:3306');
    expect(v6.host).toBe('::1');
    expect(engineAddress(v6)).toBe('[::1]:3306');
  });

  it('refuses everything else with a message that says what is wrong and never echoes the password', () => {
    const cases: Array<[string, RegExp]> = [
      [`postgres://k:${encoded}@h:5432`, /start with mysql:\/\//],
      [`http://k:${encoded}@h:3306`, /start with mysql:\/\//],
      [`mysql://k:${encoded}@h`, /port explicitly/],
      [`mysql://k:${encoded}@h:99999`, /not a valid URL/],
      [`mysql://k:${encoded}@h:3306/app`, /database or path/],
      [`mysql://k:${encoded}@h:3306?ssl=true`, /query parameters/],
      [`mysql://k:${encoded}@h:3306#x`, /fragment/],
      ['mysql://k@h:3306', /password/],
      [`mysql://:${encoded}@h:3306`, /user name/],
      [`mysql://k:%E0%A4%A@h:3306`, /percent-encoded password/],
      ['', /start with mysql/],
      [`mysql://k:${encoded}@h:3306/${'x'.repeat(3000)}`, /at most 2048/],
    ];
    for (const [text, why] of cases) {
      const detail = refusal(text);
      expect(detail, text).toMatch(why);
      expect(detail).not.toContain(SECRET);
      expect(detail).not.toContain(encoded);
    }
  });
});

describe('engine admin URL, formatted again', () => {
  it('round-trips through parse, special characters and IPv6 included', () => {
    for (const target of [
      { kind: 'mariadb' as const, host: 'db.example.com', port: 3307, user: 'key ward', password: 'p@ss:/w?rd#%' },
      { kind: 'mariadb' as const, host: '::1', port: 3306, user: 'k', password: 'p' },
    ]) {
      expect(parseEngineAdminUrl(formatEngineAdminUrl(target))).toEqual(target);
    }
  });
});
