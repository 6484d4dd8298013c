/** The pure parts of CIMD support: client id shape, document validation, cache lifetime, address policy. */
import { describe, expect, it } from 'vitest';
import { isPublicAddress } from '@/lib/oauth/cimd/address';
import { BoundedTtlCache, DEFAULT_TTL_SECONDS, freshnessSeconds, MAX_TTL_SECONDS } from '@/lib/oauth/cimd/cache';
import { CimdDocumentError, isCimdClientId, validateCimdDocument } from '@/lib/oauth/cimd/document';
import { PINNED_CIMD_DOCUMENTS } from '@/lib/oauth/cimd/pinned';

const URL_ID = 'https://app.example.org/oauth/client.json';
const doc = (extra: Record<string, unknown> = {}) => ({
  client_id: URL_ID,
  client_name: 'Example',
  redirect_uris: ['https://app.example.org/cb'],
  ...extra,
});

describe('isCimdClientId', () => {
  // @req CIMD-CLIENT-ID
  it('accepts an https URL with a path in normal form, and nothing else', () => {
    expect(isCimdClientId(URL_ID)).toBe(true);
    expect(isCimdClientId('https://claude.ai/oauth/claude-code-client-metadata')).toBe(true);
    for (const bad of [
      'http://app.example.org/c.json',
      'https://app.example.org',
      'https://app.example.org/',
      'https://u@app.example.org/c',
      'https://app.example.org/c#f',
      'https://APP.example.org/c',
      'https://app.example.org/a/../c',
      'https://app.example.org/./c',
      'https://app.example.org:443/c',
      `https://app.example.org/${'a'.repeat(500)}`,
    ]) {
      expect(isCimdClientId(bad), bad).toBe(false);
    }
  });
});

/** A public RSA key's members (not a real key: the document checks shape, the verifier the maths). */
const RSA_PUBLIC = {
  kty: 'RSA',
  n: 'sXchDaQebHnPiGvyDOAT4saGEUetSyo9MKLOoWFsueri23bOdgWp4Dy1WlUzewbgBHod5pcM9H95GQRV3JDXboIRROSBigeC5yjU1hGzHHyXss8UDprecbAYxknTcQkhslANGRUZmdTOQ5qTRsLAt6BTYuyvVRdhS8exSZEy_c4gs_7svlJJQ4H9_NxsiIoLwAEk7-Q3UXERGYw_75IDrGA84-lA_-Ct4eTlXHBIY2EaV7t7LjJaynVJCpkv4LKjTTAumiGUIuQhrNhZLuF_RJLqHpM2kgWFLU7-VTdL1VbC2tejvcI2BlMkEpk1BzBZI0KQB0GaDWFLN-aEAw3vRw',
  e: 'AQAB',
};

describe('validateCimdDocument', () => {
  // @req CIMD-VALIDATE
  it('keeps the name, the acceptable redirect URIs and the grants of a valid document', () => {
    expect(
      validateCimdDocument(
        doc({
          redirect_uris: ['https://app.example.org/cb', 'http://localhost/callback', 'myapp://cb'],
          grant_types: ['authorization_code', 'refresh_token'],
          token_endpoint_auth_method: 'none',
        }),
        URL_ID,
      ),
    ).toEqual({
      clientId: URL_ID,
      auth: { method: 'none' },
      name: 'Example',
      redirectUris: ['https://app.example.org/cb', 'http://localhost/callback'],
      grantTypes: ['authorization_code', 'refresh_token'],
    });
    expect(validateCimdDocument(doc(), URL_ID).grantTypes).toEqual(['authorization_code']);
  });

  // @req CIMD-VALIDATE
  it.each([
    ['a client_id that differs from the URL', doc({ client_id: `${URL_ID}/` })],
    ['no client_name', doc({ client_name: undefined })],
    ['a blank client_name', doc({ client_name: '  ' })],
    ['no redirect_uris', doc({ redirect_uris: undefined })],
    ['only unacceptable redirect URIs', doc({ redirect_uris: ['javascript:alert(1)', 'http://evil.example/cb'] })],
    ['client_secret_basic', doc({ token_endpoint_auth_method: 'client_secret_basic' })],
    ['client_secret_post', doc({ token_endpoint_auth_method: 'client_secret_post' })],
    ['a client_secret', doc({ client_secret: 'shh' })],
    ['private_key_jwt without keys', doc({ token_endpoint_auth_method: 'private_key_jwt' })],
    [
      'private_key_jwt with both jwks_uri and jwks',
      doc({
        token_endpoint_auth_method: 'private_key_jwt',
        jwks_uri: 'https://a.example/jwks.json',
        jwks: { keys: [RSA_PUBLIC] },
      }),
    ],
    [
      'private_key_jwt with an http jwks_uri',
      doc({ token_endpoint_auth_method: 'private_key_jwt', jwks_uri: 'http://a.example/jwks.json' }),
    ],
    [
      'private_key_jwt with an inline private key',
      doc({ token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [{ ...RSA_PUBLIC, d: 'secret' }] } }),
    ],
    [
      'private_key_jwt signed with HS256',
      doc({
        token_endpoint_auth_method: 'private_key_jwt',
        token_endpoint_auth_signing_alg: 'HS256',
        jwks_uri: 'https://a.example/jwks.json',
      }),
    ],
    ['grant_types without authorization_code', doc({ grant_types: ['client_credentials'] })],
    ['an array', [doc()]],
    ['a string', 'hello'],
  ])('refuses a document with %s', (_what, body) => {
    expect(() => validateCimdDocument(body, URL_ID)).toThrow(CimdDocumentError);
  });

  // @req CIMD-KEY-SET
  it("reads ChatGPT's two document shapes: private_key_jwt by jwks_uri, also public only when the document lists none", () => {
    const shared = doc({
      token_endpoint_auth_method: 'private_key_jwt',
      token_endpoint_auth_methods_supported: ['none', 'private_key_jwt'],
      token_endpoint_auth_signing_alg: 'RS256',
      jwks_uri: 'https://chatgpt.example/oauth/jwks.json',
    });
    expect(validateCimdDocument(shared, URL_ID).auth).toEqual({
      method: 'private_key_jwt',
      alsoPublic: true,
      keys: { kind: 'uri', uri: 'https://chatgpt.example/oauth/jwks.json' },
    });
    const perApp = doc({ token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [RSA_PUBLIC] } });
    expect(validateCimdDocument(perApp, URL_ID).auth).toEqual({
      method: 'private_key_jwt',
      alsoPublic: false,
      keys: { kind: 'inline', keys: { keys: [RSA_PUBLIC] } },
    });
  });

  // @req CIMD-PINNED
  it("accepts the pinned copies of Claude's two documents", () => {
    for (const [url, body] of Object.entries(PINNED_CIMD_DOCUMENTS))
      expect(validateCimdDocument(body, url).redirectUris.length).toBeGreaterThan(0);
  });
});

describe('freshnessSeconds', () => {
  const none = { cacheControl: null, expires: null, date: null, age: null };
  const now = Date.parse('2026-11-30T12:00:00Z');

  // @req CIMD-CACHE
  it('follows max-age, Expires, no-store and no-cache, within bounds', () => {
    expect(freshnessSeconds({ ...none, cacheControl: 'public, max-age=600' }, now)).toBe(600);
    expect(freshnessSeconds({ ...none, cacheControl: 'max-age=600', age: '100' }, now)).toBe(500);
    expect(freshnessSeconds({ ...none, cacheControl: 'max-age=31536000' }, now)).toBe(MAX_TTL_SECONDS);
    expect(freshnessSeconds({ ...none, cacheControl: 'no-store' }, now)).toBe(0);
    expect(freshnessSeconds({ ...none, cacheControl: 'no-cache, max-age=600' }, now)).toBe(0);
    expect(
      freshnessSeconds(
        { ...none, expires: 'Sun, 30 Nov 2026 12:10:00 GMT', date: 'Sun, 30 Nov 2026 12:00:00 GMT' },
        now,
      ),
    ).toBe(600);
    expect(freshnessSeconds({ ...none, expires: '0' }, now)).toBe(0);
    expect(freshnessSeconds(none, now)).toBe(DEFAULT_TTL_SECONDS);
  });
});

describe('BoundedTtlCache', () => {
  // @req CIMD-CACHE
  it('forgets entries when they expire and evicts the least recently used beyond its size', () => {
    let now = 0;
    const cache = new BoundedTtlCache<number>(() => now, 2);
    cache.set('a', 1, 10);
    cache.set('b', 2, 10);
    expect(cache.get('a')).toBe(1);
    cache.set('c', 3, 10);
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')).toBe(1);
    now = 10_000;
    expect(cache.get('a')).toBeUndefined();
    cache.set('d', 4, 0);
    expect(cache.get('d')).toBeUndefined();
  });
});

describe('isPublicAddress', () => {
  // @req CIMD-SSRF
  it.each([
    '127.0.0.1',
    '10.0.0.1',
    '172.16.0.1',
    '192.168.1.1',
    '169.254.169.254',
    '100.100.100.200',
    '0.0.0.0',
    '::1',
    '::',
    'fe80::1',
    'fd00:ec2::254',
    '::ffff:127.0.0.1',
    '::ffff:7f00:1',
    '::ffff:a9fe:a9fe',
    '224.0.0.1',
    'not-an-ip',
  ])('refuses %s', (address) => {
    expect(isPublicAddress(address)).toBe(false);
  });

  it.each(['8.8.8.8', '160.79.104.10', '2606:4700::1111', '::ffff:8.8.8.8'])('accepts %s', (address) => {
    expect(isPublicAddress(address)).toBe(true);
  });
});
