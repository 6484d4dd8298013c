/**
 * The keys of one `AUTH_SECRET` generation: one per token kind and per other use, each derived by
 * HKDF with its own `info` (`lib/crypto/hkdf.ts`), so no token of one kind verifies as another.
 */
import { base64UrlEncode } from '../crypto/encoding';
import { hkdf } from '../crypto/hkdf';
import { createMac, type Mac } from '../crypto/mac';
import type { TokenKind } from './claims';

/** `jti`: the key that derives a twin-safe `jti` from a seed (`issueDerived`). */
type KeyUse = TokenKind | 'client-secret' | 'jti';
/** One secret's derived keys: a CryptoKey per use for jose's signing, a `Mac` per use for verifying. */
export type SecretGeneration = { kid: string; keys: Record<KeyUse, CryptoKey>; macs: Record<KeyUse, Mac> };

const HKDF_SALT = 'mcp-oauth-gateway/v1';

export async function deriveGeneration(secret: Uint8Array): Promise<SecretGeneration> {
  const kinds = ['access', 'refresh', 'code', 'client', 'consent', 'client-secret', 'jti'] as const;
  const entries = await Promise.all(
    kinds.map(async (kind) => {
      const raw = await hkdf(secret, HKDF_SALT, `key:${kind}`, 32);
      const key = await crypto.subtle.importKey('raw', raw as BufferSource, { name: 'HMAC', hash: 'SHA-256' }, false, [
        'sign',
        'verify',
      ]);
      return [kind, key, await createMac(raw)] as const;
    }),
  );
  // The kid identifies the secret generation without revealing anything about it.
  const kid = base64UrlEncode(await hkdf(secret, HKDF_SALT, 'kid', 6));
  return {
    kid,
    keys: Object.fromEntries(entries.map(([kind, key]) => [kind, key])) as SecretGeneration['keys'],
    macs: Object.fromEntries(entries.map(([kind, , mac]) => [kind, mac])) as SecretGeneration['macs'],
  };
}
