import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.js';

describe('configuration of the public URL and TLS', () => {
  it('makes the public URL of the scheme, host and port by default, and takes a given one without its trailing slash', () => {
    expect(loadConfig({}).publicUrl).toBe('http://127.0.0.1:8080');
    expect(loadConfig({ KEYWARD_HOST: '::1', KEYWARD_PORT: '9443', KEYWARD_TLS_CERT_FILE: 'c.pem', KEYWARD_TLS_KEY_FILE: 'k.pem' }).publicUrl).toBe(
      'https://[::1]:9443',
    );
    expect(loadConfig({ KEYWARD_PUBLIC_URL: 'https://keyward.example.com/' }).publicUrl).toBe('https://keyward.example.com');
    expect(() => loadConfig({ KEYWARD_PUBLIC_URL: 'ftp://x' })).toThrow(/KEYWARD_PUBLIC_URL/);
  });

  it('serves HTTPS only with both a certificate and a key', () => {
    expect(loadConfig({}).tls).toBeUndefined();
    expect(loadConfig({ KEYWARD_TLS_CERT_FILE: '/etc/kw/cert.pem', KEYWARD_TLS_KEY_FILE: '/etc/kw/key.pem' }).tls).toEqual({
      certFile: '/etc/kw/cert.pem',
      keyFile: '/etc/kw/key.pem',
    });
    expect(() => loadConfig({ KEYWARD_TLS_CERT_FILE: '/etc/kw/cert.pem' })).toThrow(/go together/);
  });
});
