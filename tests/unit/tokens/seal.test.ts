/**
 * Keys sealed in tokens (lib/tokens/seal.ts): compact JWE, `dir` + `A256GCM`, by jose, bound to
 * the token's kind and `jti`.
 */
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { describe, expect, it, vi } from 'vitest';
import { createSealer } from '@/lib/tokens/seal';
import { createTokenService } from '@/lib/tokens';

const SECRET = new Uint8Array(32).fill(1);
const OTHER = new Uint8Array(32).fill(2);
const KEY = 'sk_live_0123456789abcdefghijklmnop';

describe('createSealer', () => {
  // @req KEYS-SEALED
  it('round-trips any key for its kind and jti, and for no other', async () => {
    const sealer = await createSealer([SECRET]);
    await fc.assert(
      fc.asyncProperty(
        fc.string({ minLength: 1, maxLength: 512 }),
        fc.string({ minLength: 1, maxLength: 40 }),
        async (key, jti) => {
          const sealed = await sealer.seal('access', jti, key);
          expect(await sealer.open('access', jti, sealed)).toBe(key);
          expect(await sealer.open('refresh', jti, sealed)).toBeNull();
          expect(await sealer.open('access', `${jti}x`, sealed)).toBeNull();
        },
      ),
      { numRuns: 200 },
    );
  });

  // @req KEYS-SEALED
  it('is compact JWE dir/A256GCM with the kind and jti in the protected header, the same bytes for the same jti', async () => {
    const sealer = await createSealer([SECRET]);
    const sealed = await sealer.seal('refresh', 'j1', KEY);
    expect(sealed.split('.')).toHaveLength(5);
    expect(decodeProtectedHeader(sealed)).toEqual({ alg: 'dir', enc: 'A256GCM', kind: 'refresh', jti: 'j1' });
    expect(await sealer.seal('refresh', 'j1', KEY)).toBe(sealed);
    expect(await sealer.seal('refresh', 'j2', KEY)).not.toBe(sealed);
  });

  // @req KEYS-SEALED
  it('does not open tampered, for another secret, or at all past its size; opens the previous secret after a rotation', async () => {
    const sealer = await createSealer([SECRET]);
    const sealed = await sealer.seal('code', 'j', KEY);
    const parts = sealed.split('.');
    for (const i of [0, 2, 3, 4]) {
      const tampered = [...parts];
      tampered[i] = tampered[i]!.slice(0, -2) + (tampered[i]!.endsWith('AA') ? 'BB' : 'AA');
      expect(await sealer.open('code', 'j', tampered.join('.')), `part ${i}`).toBeNull();
    }
    expect(await (await createSealer([OTHER])).open('code', 'j', sealed)).toBeNull();
    expect(await (await createSealer([OTHER, SECRET])).open('code', 'j', sealed)).toBe(KEY);
    expect(await sealer.open('code', 'j', 'x'.repeat(2000))).toBeNull();
  });
});

describe('tokens with a sealed key', () => {
  // @req KEYS-SEALED
  it('carry neither the key, nor its digest, nor a prefix of either, in any readable part', async () => {
    const tokens = await createTokenService({
      secret: SECRET,
      issuer: 'https://as.example',
      resource: 'https://as.example/mcp',
    });
    const digest = createHash('sha256').update(KEY).digest('hex');
    for (const kind of ['access', 'refresh', 'code'] as const) {
      const claims =
        kind === 'access'
          ? { sub: 'cus_1', client_id: 'c', scope: 'mcp' }
          : kind === 'refresh'
            ? { sub: 'cus_1', client_id: 'c', scope: 'mcp', resource: 'https://as.example/mcp' }
            : {
                sub: 'cus_1',
                client_id: 'c',
                redirect_uri: 'https://c/cb',
                code_challenge: 'x',
                scope: 'mcp',
                resource: 'r',
              };
      const { token } = await tokens.issue(kind, claims, 60, KEY);
      const readable = JSON.stringify(decodeJwt(token)) + JSON.stringify(decodeProtectedHeader(token));
      for (const secret of [KEY, digest]) {
        for (const length of [8, 16, secret.length]) expect(readable).not.toContain(secret.slice(0, length));
      }
      const verified = await tokens.verify(kind, token);
      expect(await tokens.openSeal(kind, verified)).toBe(KEY);
    }
  });
});

describe("an access token's opened seal", () => {
  // @req KEYS-SEALED
  it('is kept until the token expires, for that exact seal in that token only', async () => {
    let nowMs = Date.UTC(2026, 11, 6, 12);
    const tokens = await createTokenService({
      secret: SECRET,
      issuer: 'https://as.example',
      resource: 'https://as.example/mcp',
      now: () => nowMs,
    });
    const { token } = await tokens.issue('access', { sub: 'cus_1', client_id: 'c', scope: 'mcp' }, 60, KEY);
    const claims = await tokens.verify('access', token);
    // jose opens an A256GCM seal with WebCrypto's decrypt: count those.
    const decrypt = vi.spyOn(crypto.subtle, 'decrypt');
    expect(await tokens.openSeal('access', claims)).toBe(KEY);
    expect(decrypt).toHaveBeenCalledTimes(1);
    // Kept: the same answer without decrypting again, also for the claims of a second
    // verification (a session's next request).
    expect(await tokens.openSeal('access', await tokens.verify('access', token))).toBe(KEY);
    expect(decrypt).toHaveBeenCalledTimes(1);
    // Another seal under the same jti (tampered, or from another token) is opened on its own merits.
    const other = await tokens.issue(
      'access',
      { sub: 'cus_2', client_id: 'c', scope: 'mcp' },
      60,
      'other_key_0123456789',
    );
    const otherClaims = await tokens.verify('access', other.token);
    expect(await tokens.openSeal('access', { ...claims, ks: otherClaims.ks })).toBeNull();
    expect(await tokens.openSeal('access', { ...claims, ks: `${claims.ks!.slice(0, -2)}AA` })).toBeNull();
    // Past the token's expiry the kept key is gone: opening runs again (and still works).
    const before = decrypt.mock.calls.length;
    nowMs += 61_000;
    expect(await tokens.openSeal('access', claims)).toBe(KEY);
    expect(decrypt).toHaveBeenCalledTimes(before + 1);
    decrypt.mockRestore();
  });
});
