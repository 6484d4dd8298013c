/**
 * Client assertions (RFC 7523) verified by `verifyClientAssertion` against inline key sets, with
 * real RSA, EC and Ed25519 keys signed by jose as a client signs them. The refusals over HTTP, with
 * fetched key sets, are in tests/integration/private-key-jwt.test.ts.
 */
import fc from 'fast-check';
import { randomUUID } from 'node:crypto';
import { createLocalJWKSet, exportJWK, generateKeyPair, jwtVerify, SignJWT, type JSONWebKeySet, type JWK } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { validatePublicKeySet, KeySetError } from '@/lib/oauth/assertions/keySet';
import { verifyClientAssertion } from '@/lib/oauth/assertions/verify';
import { OAuthError } from '@/lib/oauth/errors';
import type { Services } from '@/lib/services';
import { clientAssertion, signer, type Signer } from '../../support/chatgpt';
import { ISSUER, testServices } from '../../support/services';

const CLIENT = 'https://chatgpt.example/oauth/client.json';
const TOKEN_ENDPOINT = `${ISSUER}/oauth/token`;

const assertion = (s: Signer, claims?: Record<string, unknown>, header?: Record<string, unknown>) =>
  clientAssertion(TOKEN_ENDPOINT, CLIENT, s, claims, header);

let services: Services;
let signers: Signer[];
let keys: JSONWebKeySet;

beforeAll(async () => {
  services = await testServices();
  signers = await Promise.all([
    signer('RS256', 'rsa'),
    signer('PS256', 'rsa-pss'),
    signer('ES256', 'p256'),
    signer('ES384', 'p384'),
    signer('EdDSA', 'ed'),
  ]);
  keys = { keys: signers.map((s) => s.jwk) };
});

async function reasonFor(token: string, source: JSONWebKeySet = keys): Promise<string> {
  try {
    await verifyClientAssertion(token, CLIENT, { kind: 'inline', keys: source }, services);
    return 'accepted';
  } catch (error) {
    if (error instanceof OAuthError) return `${error.status} ${error.code} ${error.reason}`;
    throw error;
  }
}

describe('verifyClientAssertion', () => {
  // @req CIMD-PRIVATE-KEY-JWT
  it('accepts each supported algorithm once per jti, with aud the token endpoint or the issuer', async () => {
    for (const s of signers) {
      const token = await assertion(s);
      expect(await reasonFor(token), s.alg).toBe('accepted');
      expect(await reasonFor(token), s.alg).toBe('401 invalid_client assertion_replayed');
    }
    expect(await reasonFor(await assertion(signers[0]!, { aud: ISSUER }))).toBe('accepted');
  });

  // @req CIMD-ASSERTION-REFUSALS
  it('refuses each wrong assertion as invalid_client with its own reason', async () => {
    const [rsa] = signers as [Signer];
    const now = Math.floor(Date.now() / 1000);
    const stranger = await signer('RS256', 'rsa');
    const cases: Array<[string, Promise<string> | string, string]> = [
      ['wrong aud', assertion(rsa, { aud: 'https://other.example/oauth/token' }), 'assertion_wrong_audience'],
      ['expired', assertion(rsa, { exp: now - 60, iat: now - 120 }), 'assertion_expired'],
      ['valid for an hour', assertion(rsa, { exp: now + 3600 }), 'assertion_expired'],
      ['exp 10 min after iat', assertion(rsa, { iat: now - 400, exp: now + 200 }), 'assertion_expired'],
      ['iss is another client', assertion(rsa, { iss: 'https://evil.example/client.json' }), 'assertion_malformed'],
      ['sub is another client', assertion(rsa, { sub: 'someone' }), 'assertion_malformed'],
      [
        'no jti',
        new SignJWT({})
          .setProtectedHeader({ alg: 'RS256', kid: 'rsa' })
          .setIssuer(CLIENT)
          .setSubject(CLIENT)
          .setAudience(TOKEN_ENDPOINT)
          .setExpirationTime(now + 60)
          .sign(rsa.privateKey),
        'assertion_malformed',
      ],
      [
        'no exp',
        new SignJWT({ jti: 'x' })
          .setProtectedHeader({ alg: 'RS256', kid: 'rsa' })
          .setIssuer(CLIENT)
          .setSubject(CLIENT)
          .setAudience(TOKEN_ENDPOINT)
          .sign(rsa.privateKey),
        'assertion_malformed',
      ],
      ['signed by another key under a known kid', assertion(stranger), 'assertion_bad_signature'],
      ['an unknown kid', assertion(stranger, {}, { kid: 'nobody' }), 'assertion_bad_signature'],
      ['alg none', unsigned(), 'assertion_bad_signature'],
      ['HS256 over the public key', hmacWithPublicKey(rsa.jwk), 'assertion_bad_signature'],
      ['not a JWT', 'not.a.jwt', 'assertion_malformed'],
      ['over 8 KiB', 'a'.repeat(8 * 1024 + 1), 'assertion_malformed'],
    ];
    for (const [label, token, reason] of cases) {
      expect(await reasonFor(await token), label).toBe(`401 invalid_client ${reason}`);
    }
  });

  // @req CIMD-ASSERTION-REFUSALS
  it('never accepts a mutated assertion, and agrees with jose on every one', async () => {
    const [rsa] = signers as [Signer];
    const base = await assertion(rsa);
    const local = createLocalJWKSet(keys);
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: base.length - 1 }),
        fc.integer({ min: 0, max: 63 }),
        async (at, pick) => {
          const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
          const replacement = alphabet[pick]!;
          fc.pre(base[at] !== replacement && base[at] !== '.');
          const mutated = base.slice(0, at) + replacement + base.slice(at + 1);
          const ours = await reasonFor(mutated);
          const jose = await jwtVerify(mutated, local, {
            algorithms: ['RS256'],
            issuer: CLIENT,
            subject: CLIENT,
            audience: TOKEN_ENDPOINT,
          }).then(
            () => 'accepted',
            () => 'refused',
          );
          // A change in the spare bits of the last base64url character leaves the signature's bytes
          // as they were: jose accepts it, and we accept it once, then refuse its jti as replayed.
          if (jose === 'accepted') expect(ours).toMatch(/^(accepted|401 invalid_client assertion_replayed)$/);
          else expect(ours).toMatch(/^401 invalid_client /);
        },
      ),
      { numRuns: 300 },
    );
  });
});

function unsigned(): string {
  const now = Math.floor(Date.now() / 1000);
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'none', kid: 'rsa' })}.${part({ iss: CLIENT, sub: CLIENT, aud: TOKEN_ENDPOINT, exp: now + 60, jti: randomUUID() })}.`;
}

async function hmacWithPublicKey(jwk: JWK): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ jti: randomUUID() })
    .setProtectedHeader({ alg: 'HS256', kid: 'rsa' })
    .setIssuer(CLIENT)
    .setSubject(CLIENT)
    .setAudience(TOKEN_ENDPOINT)
    .setExpirationTime(now + 60)
    .sign(new TextEncoder().encode(JSON.stringify(jwk)));
}

describe('validatePublicKeySet', () => {
  // @req CIMD-KEY-SET
  it('takes public RSA, EC P-256/P-384 and Ed25519 keys, and refuses a set with a private, symmetric or unknown key', async () => {
    expect(validatePublicKeySet(keys).keys).toHaveLength(5);
    const { privateKey } = await generateKeyPair('ES256', { extractable: true });
    const withPrivate = { keys: [...keys.keys, await exportJWK(privateKey)] };
    const refusals: Array<[unknown, string]> = [
      [withPrivate, 'key 5 has private or secret members'],
      [{ keys: [{ kty: 'oct', k: 'c2VjcmV0' }] }, 'key 0 has private or secret members'],
      [{ keys: [{ kty: 'oct' }] }, 'key 0 has a kty that is not RSA, EC or OKP'],
      [{ keys: [{ kty: 'EC', crv: 'P-521', x: 'a', y: 'b' }] }, 'key 0 has an unsupported curve'],
      [{ keys: [{ kty: 'OKP', crv: 'X25519', x: 'a' }] }, 'key 0 has an unsupported curve'],
      [{ keys: [] }, 'keys is not an array of 1 to 32 keys'],
      [[], 'not a JSON object'],
    ];
    for (const [set, reason] of refusals) {
      expect(() => validatePublicKeySet(set)).toThrow(new KeySetError(reason));
    }
  });
});
