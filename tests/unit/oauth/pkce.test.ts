import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { isS256Challenge, s256Challenge, verifyCodeVerifier } from '@/lib/oauth/pkce';

describe('s256Challenge', () => {
  // @req CONN-PKCE-S256
  it('is BASE64URL(SHA256(verifier)) without padding, as node:crypto computes it', async () => {
    const verifier = 'dBjftJeZ4CVP-mJ92K1s-GyXoH2JfwrIWxcgyq7-cXk';
    expect(await s256Challenge(verifier)).toBe(createHash('sha256').update(verifier).digest('base64url'));
  });
});

describe('verifyCodeVerifier', () => {
  const verifier = 'a'.repeat(43) + '-._~';
  const challenge = createHash('sha256').update(verifier).digest('base64url');

  it('accepts the verifier of the challenge', async () => {
    expect(await verifyCodeVerifier(verifier, challenge)).toBe(true);
  });
  it('refuses another verifier', async () => {
    expect(await verifyCodeVerifier('b'.repeat(43), challenge)).toBe(false);
  });
  // @req CONN-PKCE-S256
  it('refuses the challenge itself presented as a plain verifier', async () => {
    expect(await verifyCodeVerifier(challenge, challenge)).toBe(false);
  });
  it.each(['short', 'a'.repeat(129), 'a'.repeat(42) + '!', 'a'.repeat(43) + ' '])(
    'refuses the malformed verifier %s',
    async (bad) => {
      expect(await verifyCodeVerifier(bad, challenge)).toBe(false);
    },
  );
});

describe('isS256Challenge', () => {
  it('accepts 43 base64url characters only', () => {
    expect(isS256Challenge('E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM')).toBe(true);
    expect(isS256Challenge('E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM=')).toBe(false);
    expect(isS256Challenge('E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw+cM')).toBe(false);
  });
});
