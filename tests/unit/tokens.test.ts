import { SignJWT, decodeProtectedHeader, decodeJwt, base64url } from 'jose';
import { describe, expect, it } from 'vitest';
import { createTokenService, TOKEN_TYP, TokenError, type TokenKind, type TokenService } from '@/lib/tokens';
import { rejectionOf } from '../support/expectations';

const SECRET = new Uint8Array(32).fill(1);
const OTHER = new Uint8Array(32).fill(2);
const ISSUER = 'https://mcp.example.com';
const RESOURCE = `${ISSUER}/mcp`;
const FP = '0123456789abcdef';

const service = (opts: Partial<Parameters<typeof createTokenService>[0]> = {}) =>
  createTokenService({ secret: SECRET, issuer: ISSUER, resource: RESOURCE, ...opts });

const SAMPLE: { [K in TokenKind]: Parameters<Awaited<ReturnType<typeof service>>['issue']>[1] } = {
  access: { sub: FP, client_id: 'mcp', scope: 'mcp' },
  refresh: { sub: FP, client_id: 'c', scope: 'mcp offline_access', resource: RESOURCE },
  code: {
    sub: FP,
    client_id: 'c',
    redirect_uri: 'https://claude.ai/api/mcp/auth_callback',
    code_challenge: 'x'.repeat(43),
    scope: 'mcp',
    resource: RESOURCE,
  },
  client: {
    ru: ['https://claude.ai/api/mcp/auth_callback'],
    am: 'client_secret_post',
    gt: ['authorization_code', 'refresh_token'],
    cn: 'Claude',
  },
  consent: {
    client_id: 'c',
    redirect_uri: 'https://claude.ai/api/mcp/auth_callback',
    code_challenge: 'x'.repeat(43),
    scope: 'mcp',
    resource: RESOURCE,
    state: 's',
  },
};

const KINDS = Object.keys(TOKEN_TYP) as TokenKind[];

const rejection = (promise: Promise<unknown>) => rejectionOf(promise, TokenError);

describe('createTokenService', () => {
  // @req TOK-ACCESS-CLAIMS
  it('mints access tokens with at+jwt, HS256, kid and the RFC 9068 claims', async () => {
    const tokens = await service({ now: () => 1_800_000_000_000 });
    const { token, expiresAt } = await tokens.issue('access', SAMPLE.access, 3600);
    expect(decodeProtectedHeader(token)).toMatchObject({ alg: 'HS256', typ: 'at+jwt', kid: expect.any(String) });
    const claims = decodeJwt(token);
    expect(claims).toMatchObject({
      iss: ISSUER,
      aud: RESOURCE,
      sub: FP,
      client_id: 'mcp',
      scope: 'mcp',
      iat: 1_800_000_000,
      exp: 1_800_003_600,
    });
    expect(claims.jti).toMatch(/^[\w-]{22}$/);
    expect(expiresAt).toBe(1_800_003_600);
    expect(await tokens.verify('access', token)).toMatchObject({ sub: FP });
  });

  // @req TOK-KIND-SEPARATION
  it.each(
    KINDS.flatMap((minted) => KINDS.filter((k) => k !== minted).map((presented) => [minted, presented] as const)),
  )('refuses a %s token presented as a %s token', async (minted, presented) => {
    const tokens = await service();
    const { token } = await tokens.issue(minted, SAMPLE[minted], 60);
    expect((await rejection(tokens.verify(presented, token))).reason).toBe('invalid');
  });

  it.each(KINDS)('verifies a %s token as its own kind', async (kind) => {
    const tokens = await service();
    const { token } = await tokens.issue(kind, SAMPLE[kind], 60);
    // The claims the kind carries come back as they were issued.
    await expect(tokens.verify(kind, token)).resolves.toMatchObject(SAMPLE[kind] as Record<string, unknown>);
  });

  // @req TOK-EXPIRY
  it('refuses an expired token beyond the clock tolerance and accepts it within', async () => {
    let now = 1_800_000_000_000;
    const tokens = await service({ now: () => now });
    const { token } = await tokens.issue('access', SAMPLE.access, 60);
    now += 64_000;
    await expect(tokens.verify('access', token)).resolves.toHaveProperty('jti', expect.any(String));
    now += 2_000;
    expect((await rejection(tokens.verify('access', token))).reason).toBe('expired');
  });

  // @req TOK-ALG-PINNED
  it('refuses alg none, HS384 under the right key, and a signature over a swapped payload', async () => {
    const tokens = await service();
    const { token } = await tokens.issue('access', SAMPLE.access, 60);
    const [header, payload, signature] = token.split('.') as [string, string, string];
    const noneHeader = base64url.encode(JSON.stringify({ ...decodeProtectedHeader(token), alg: 'none' }));
    expect((await rejection(tokens.verify('access', `${noneHeader}.${payload}.`))).reason).not.toBe('expired');
    const forged = base64url.encode(JSON.stringify({ ...decodeJwt(token), sub: 'ffffffffffffffff' }));
    expect((await rejection(tokens.verify('access', `${header}.${forged}.${signature}`))).reason).toBe('invalid');
    expect((await rejection(tokens.verify('access', `${header}.${payload}.`))).reason).toBe('invalid');
  });

  // @req TOK-KEY-DERIVATION
  it('refuses a token signed with the raw AUTH_SECRET instead of the derived key', async () => {
    const tokens = await service();
    const { token } = await tokens.issue('access', SAMPLE.access, 60);
    const raw = await new SignJWT(decodeJwt(token))
      .setProtectedHeader(decodeProtectedHeader(token) as { alg: string })
      .sign(SECRET);
    expect((await rejection(tokens.verify('access', raw))).reason).toBe('invalid');
  });

  it('refuses tokens of another deployment, issuer or audience', async () => {
    const mine = await service();
    const theirs = await service({ secret: OTHER });
    const elsewhere = await service({ issuer: 'https://evil.example', resource: 'https://evil.example/mcp' });
    const otherIssuer = await service({ issuer: 'https://evil.example' });
    const refusal = async (other: TokenService) =>
      rejection(mine.verify('access', (await other.issue('access', SAMPLE.access, 60)).token));
    // Another secret: nothing in it is ours, not even its subject.
    expect(await refusal(theirs)).toMatchObject({ reason: 'invalid', verifiedSubject: undefined });
    // Our secret, another resource (a deployment sharing AUTH_SECRET): its subject is ours to log.
    expect(await refusal(elsewhere)).toMatchObject({ reason: 'audience', verifiedSubject: FP });
    expect(await refusal(otherIssuer)).toMatchObject({ reason: 'invalid', verifiedSubject: undefined });
  });

  // @req TOK-ROTATION
  it('verifies tokens of the previous secret during a rotation and signs only with the new one', async () => {
    const old = await service({ secret: OTHER });
    const { token } = await old.issue('refresh', SAMPLE.refresh, 60);
    const rotated = await service({ secret: SECRET, previousSecret: OTHER });
    await expect(rotated.verify('refresh', token)).resolves.toMatchObject({ sub: FP });
    const fresh = await rotated.issue('refresh', SAMPLE.refresh, 60);
    expect(decodeProtectedHeader(fresh.token).kid).not.toBe(decodeProtectedHeader(token).kid);
    await expect(old.verify('refresh', fresh.token)).rejects.toBeInstanceOf(TokenError);
    const unrotated = await service({ secret: SECRET });
    expect((await rejection(unrotated.verify('refresh', token))).reason).toBe('invalid');
  });

  it('refuses malformed input without throwing anything but a TokenError', async () => {
    const tokens = await service();
    for (const junk of ['', 'abc', 'a.b', 'a.b.c', '....', 'x'.repeat(5000), '%%%.%%%.%%%']) {
      expect(await rejection(tokens.verify('access', junk))).toBeInstanceOf(TokenError);
    }
  });

  it('keeps the client id of the exact claude.ai registration under 512 characters', async () => {
    const tokens = await service();
    const { token } = await tokens.issue('client', SAMPLE.client, null);
    expect(token.length).toBeLessThanOrEqual(512);
    expect(decodeJwt(token).exp).toBeUndefined();
  });
});

describe('client secrets', () => {
  // @req TOK-CLIENT-SECRET
  it('derives a secret that verifies for its client id only', async () => {
    const tokens = await service();
    const secret = await tokens.clientSecretFor('client-a');
    expect(await tokens.verifyClientSecret('client-a', secret)).toBe(true);
    expect(await tokens.verifyClientSecret('client-b', secret)).toBe(false);
    expect(await tokens.verifyClientSecret('client-a', secret.slice(0, -1) + (secret.endsWith('A') ? 'B' : 'A'))).toBe(
      false,
    );
    expect(await tokens.verifyClientSecret('client-a', '')).toBe(false);
  });

  it('keeps verifying secrets derived from the previous AUTH_SECRET', async () => {
    const old = await service({ secret: OTHER });
    const secret = await old.clientSecretFor('client-a');
    expect(await (await service({ previousSecret: OTHER })).verifyClientSecret('client-a', secret)).toBe(true);
    expect(await (await service()).verifyClientSecret('client-a', secret)).toBe(false);
  });
});

describe('verify', () => {
  it('refuses a token issued in the future beyond the clock tolerance', async () => {
    const ahead = await service({ now: () => Date.now() + 60_000 });
    const { token } = await ahead.issue('access', SAMPLE.access, 3600);
    expect((await rejection((await service()).verify('access', token))).reason).toBe('invalid');
  });
});

describe('verify, header and claim checks', () => {
  /** Signs `payload` under `header` with the service's own derived key for `kind`, as a forger holding it would. */
  async function resign(
    kind: TokenKind,
    token: string,
    header: Record<string, unknown>,
    payload: Record<string, unknown>,
  ): Promise<string> {
    // The derived key is not exported: a token of the kind carries a valid MAC only over its own bytes,
    // so a re-signed token with a changed header must fail on the signature, never on the claims.
    const [, , signature] = token.split('.');
    return `${base64url.encode(JSON.stringify(header))}.${base64url.encode(JSON.stringify(payload))}.${signature}`;
  }

  // @req TOK-ALG-PINNED
  it('compares the signature before the claims: an expired token with a broken signature is invalid, not expired', async () => {
    let now = 1_800_000_000_000;
    const tokens = await service({ now: () => now });
    const { token } = await tokens.issue('access', SAMPLE.access, 60);
    now += 3_600_000;
    expect((await rejection(tokens.verify('access', token))).reason).toBe('expired');
    const forged = await resign('access', token, decodeProtectedHeader(token), {
      ...decodeJwt(token),
      scope: 'mcp admin',
    });
    expect((await rejection(tokens.verify('access', forged))).reason).toBe('invalid');
  });

  // @req TOK-ALG-PINNED
  it('refuses a crit header, another typ, an unknown kid and a non-canonical signature spelling', async () => {
    const tokens = await service();
    const { token } = await tokens.issue('access', SAMPLE.access, 60);
    const header = decodeProtectedHeader(token);
    for (const changed of [
      { ...header, crit: ['b64'], b64: false },
      { ...header, typ: 'JWT' },
      { ...header, kid: 'AAAAAAAA' },
    ]) {
      expect(
        (await rejection(tokens.verify('access', await resign('access', token, changed, decodeJwt(token))))).reason,
      ).toBe('invalid');
    }
    const [h, p, s] = token.split('.') as [string, string, string];
    // The last character of a 32-byte MAC carries 4 spare bits; flipping one decodes to the same bytes.
    const last = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'.indexOf(s.at(-1)!);
    const respelled = `${h}.${p}.${s.slice(0, -1)}${'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'[last ^ 1]}`;
    expect((await rejection(tokens.verify('access', respelled))).reason).toBe('invalid');
  });

  it('verifies its own token, and refuses it on a clock a minute behind as issued in the future', async () => {
    const tokens = await service({ now: () => 1_800_000_000_000 });
    const { token } = await tokens.issue('access', SAMPLE.access, 60);
    await expect(tokens.verify('access', token)).resolves.toMatchObject({ sub: FP });
    const early = await service({ now: () => 1_800_000_000_000 - 60_000 });
    expect((await rejection(early.verify('access', token))).reason).toBe('invalid');
  });
});
