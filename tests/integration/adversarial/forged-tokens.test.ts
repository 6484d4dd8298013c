/**
 * What an attacker would try with tokens against /mcp: every one must be a 401 with
 * error="invalid_token", never a pass and never a 5xx.
 */
import { base64url, decodeJwt, decodeProtectedHeader, exportJWK, generateKeyPair, SignJWT } from 'jose';
import { describe, expect, inject, it } from 'vitest';
import { baseEnv, KEY_A, TEST_SECRET } from '@/kit/app';
import { clientCredentialsToken, INITIALIZE, postMcp } from '@/kit/http';
import { tokenServiceFor } from '@/kit/mint';
import { fingerprintOf } from '@/lib/keys';
import { TOKEN_TYP, type TokenKind } from '@/lib/tokens';

const base = () => inject('appUrl');
const env = () => baseEnv(Number(new URL(base()).port));

async function expectRefused(token: string) {
  const res = await postMcp(base(), INITIALIZE, { Authorization: `Bearer ${token}` });
  expect(res.status, token.slice(0, 60)).toBe(401);
  expect(res.headers.get('www-authenticate')).toContain('error="invalid_token"');
}

async function genuine() {
  const token = await clientCredentialsToken(base(), KEY_A);
  const [header, payload, signature] = token.split('.') as [string, string, string];
  return { token, header, payload, signature, claims: decodeJwt(token), protectedHeader: decodeProtectedHeader(token) };
}

const encode = (value: unknown) => base64url.encode(JSON.stringify(value));

describe('forged and confused access tokens at /mcp', () => {
  // @req ADV-FORGED-TOKENS
  it('refuses alg none, with and without a signature', async () => {
    const { protectedHeader, payload, signature } = await genuine();
    const none = encode({ ...protectedHeader, alg: 'none' });
    await expectRefused(`${none}.${payload}.`);
    await expectRefused(`${none}.${payload}.${signature}`);
  });

  it('refuses HS384 and HS512 over the genuine parts', async () => {
    const { claims, protectedHeader } = await genuine();
    for (const alg of ['HS384', 'HS512']) {
      await expectRefused(
        await new SignJWT(claims).setProtectedHeader({ ...protectedHeader, alg }).sign(new Uint8Array(64).fill(1)),
      );
    }
  });

  it("refuses RS256 with the attacker's own key embedded as jwk, or pointed to by jku and x5u", async () => {
    const { claims, protectedHeader } = await genuine();
    const { privateKey, publicKey } = await generateKeyPair('RS256');
    const jwk = await exportJWK(publicKey);
    for (const extra of [
      { jwk },
      { jku: 'https://attacker.example/jwks.json' },
      { x5u: 'https://attacker.example/cert.pem' },
    ]) {
      await expectRefused(
        await new SignJWT(claims).setProtectedHeader({ ...protectedHeader, ...extra, alg: 'RS256' }).sign(privateKey),
      );
    }
  });

  it('refuses an injected kid, a swapped payload, a stripped or reused signature', async () => {
    const { header, payload, signature, protectedHeader, claims } = await genuine();
    const other = await genuine();
    await expectRefused(`${encode({ ...protectedHeader, kid: '../../etc/passwd' })}.${payload}.${signature}`);
    await expectRefused(`${header}.${encode({ ...claims, scope: 'mcp admin', sub: 'ffffffffffffffff' })}.${signature}`);
    await expectRefused(`${header}.${payload}.`);
    await expectRefused(`${header}.${payload}`);
    await expectRefused(
      `${header}.${other.payload === payload ? encode({ ...claims, jti: 'x' }) : other.payload}.${signature}`,
    );
  });

  // @req TOK-KEY-DERIVATION
  it('refuses a token signed with the raw AUTH_SECRET', async () => {
    const { claims, protectedHeader } = await genuine();
    const raw = Uint8Array.from(Buffer.from(TEST_SECRET, 'hex'));
    await expectRefused(await new SignJWT(claims).setProtectedHeader(protectedHeader as { alg: string }).sign(raw));
  });

  // @req TOK-KIND-SEPARATION
  it('refuses every other kind of token this server signs, presented as a bearer token', async () => {
    const tokens = await tokenServiceFor(env());
    const fp = await fingerprintOf(KEY_A);
    const resource = `${base()}/mcp`;
    const samples: Record<Exclude<TokenKind, 'access'>, unknown> = {
      refresh: { sub: fp, client_id: 'c', scope: 'mcp', resource },
      code: {
        sub: fp,
        client_id: 'c',
        redirect_uri: 'https://claude.ai/api/mcp/auth_callback',
        code_challenge: 'x'.repeat(43),
        scope: 'mcp',
        resource,
      },
      client: { ru: ['https://claude.ai/api/mcp/auth_callback'], am: 'none', gt: ['authorization_code'] },
      consent: {
        client_id: 'c',
        redirect_uri: 'https://claude.ai/api/mcp/auth_callback',
        code_challenge: 'x'.repeat(43),
        scope: 'mcp',
        resource,
      },
    };
    for (const [kind, claims] of Object.entries(samples) as [Exclude<TokenKind, 'access'>, unknown][]) {
      const { token } = await tokens.issue(kind, claims as never, 600);
      expect(decodeProtectedHeader(token).typ).toBe(TOKEN_TYP[kind]);
      await expectRefused(token);
    }
  });

  it('refuses tokens of another deployment, a wrong issuer or audience, expired or not yet valid', async () => {
    const fp = await fingerprintOf(KEY_A);
    const claims = { sub: fp, client_id: 'mcp', scope: 'mcp' };
    const otherSecret = await tokenServiceFor({ ...env(), AUTH_SECRET: 'd'.repeat(64) });
    const otherIssuer = await tokenServiceFor({ ...env(), PUBLIC_URL: 'https://other.example' });
    const expired = await tokenServiceFor(env(), () => Date.now() - 3 * 3600_000);
    for (const service of [otherSecret, otherIssuer, expired])
      await expectRefused((await service.issue('access', claims, 3600)).token);

    // Not yet valid: minted by a clock an hour ahead (signed with the real derived key).
    const ahead = await tokenServiceFor(env(), () => Date.now() + 3600_000);
    await expectRefused((await ahead.issue('access', claims, 3600)).token);
  });

  // @req KEY-REVOCATION
  it('refuses a token whose fingerprint belongs to no configured key', async () => {
    const tokens = await tokenServiceFor(env());
    const removed = await fingerprintOf('a-key-that-was-removed-from-config');
    await expectRefused((await tokens.issue('access', { sub: removed, client_id: 'mcp', scope: 'mcp' }, 3600)).token);
  });
});
