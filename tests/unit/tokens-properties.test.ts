/**
 * Property test of kind separation: a token minted of one kind, with random claims, verifies as
 * that kind with those claims, and as no other kind (nor under another secret or issuer).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createTokenService, TOKEN_TYP, TokenError, type TokenKind } from '@/lib/tokens';

const SECRET = new Uint8Array(32).fill(3);
const ISSUER = 'https://mcp.example.com';
const RESOURCE = `${ISSUER}/mcp`;
const KINDS = Object.keys(TOKEN_TYP) as TokenKind[];

const fingerprint = fc.stringMatching(/^[0-9a-f]{16}$/);
const text = fc.string({ minLength: 1, maxLength: 80 });
const scope = fc.subarray(['mcp', 'offline_access']).map((s) => s.join(' '));
const url = fc.webUrl();

const claimsOf: { [K in TokenKind]: fc.Arbitrary<Record<string, unknown>> } = {
  access: fc.record({ sub: fingerprint, client_id: text, scope }),
  refresh: fc.record({ sub: fingerprint, client_id: text, scope, resource: url }),
  code: fc.record({ sub: fingerprint, client_id: text, redirect_uri: url, code_challenge: text, scope, resource: url }),
  client: fc.record(
    {
      ru: fc.array(url, { minLength: 1, maxLength: 3 }),
      am: fc.constantFrom('none', 'client_secret_post', 'client_secret_basic'),
      gt: fc.subarray(['authorization_code', 'refresh_token'] as const, { minLength: 1 }),
      cn: text,
    },
    { requiredKeys: ['ru', 'am', 'gt'] },
  ),
  consent: fc.record(
    {
      client_id: text,
      client_name: text,
      redirect_uri: url,
      code_challenge: text,
      scope,
      resource: url,
      state: fc.string({ maxLength: 100 }),
    },
    { requiredKeys: ['client_id', 'redirect_uri', 'code_challenge', 'scope', 'resource'] },
  ),
};

const minted = fc.constantFrom(...KINDS).chain((kind) => fc.tuple(fc.constant(kind), claimsOf[kind]));

describe('tokens of random claims, per kind', () => {
  // @req ADV-PROPERTY-KINDS
  // @req TOK-KIND-SEPARATION
  it('verify as their own kind with their claims, and as no other kind, secret or issuer', async () => {
    const tokens = await createTokenService({ secret: SECRET, issuer: ISSUER, resource: RESOURCE });
    const otherSecret = await createTokenService({
      secret: new Uint8Array(32).fill(4),
      issuer: ISSUER,
      resource: RESOURCE,
    });
    const otherIssuer = await createTokenService({
      secret: SECRET,
      issuer: 'https://other.example.com',
      resource: 'https://other.example.com/mcp',
    });
    await fc.assert(
      fc.asyncProperty(minted, async ([kind, claims]) => {
        const { token } = await tokens.issue(kind, claims, kind === 'client' ? null : 600);
        expect(await tokens.verify(kind, token)).toMatchObject(claims);
        for (const other of KINDS.filter((k) => k !== kind)) {
          await expect(tokens.verify(other, token)).rejects.toBeInstanceOf(TokenError);
        }
        await expect(otherSecret.verify(kind, token)).rejects.toBeInstanceOf(TokenError);
        await expect(otherIssuer.verify(kind, token)).rejects.toBeInstanceOf(TokenError);
      }),
      { numRuns: 300 },
    );
  });
});
