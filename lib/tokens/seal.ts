/**
 * Keys sealed inside tokens, for a backend that must forward a key the key source does not hold
 * (a key service, the upstream as judge, digests with an upstream). A seal is a compact JWE
 * (`dir`, `A256GCM`) made and opened by jose, under a key HKDF derives from `AUTH_SECRET` with its
 * own `info`. The token's kind and `jti` are in the protected header, which GCM authenticates, so a
 * seal lifted into another token does not open there.
 *
 * The IV is derived from the kind and `jti` (an HMAC under a key of its own): a token's `jti` is
 * unique, and one `jti` only ever seals one key, so an IV never repeats with another plaintext, and
 * a twin refresh (same `jti`, same key) gives the same bytes, as `issueDerived` promises.
 */
import { CompactEncrypt, compactDecrypt } from 'jose';
import { hkdf } from '../crypto/hkdf';
import { createMac, type Mac } from '../crypto/mac';

const SALT = 'mcp-oauth-gateway/key-seal/v1';
/** A key is at most 512 characters (`lib/keys`); its seal stays well under this. */
export const MAX_SEAL_LENGTH = 1024;
const MAX_KEY_LENGTH = 512;
const encoder = new TextEncoder();

type SealKeys = { readonly enc: CryptoKey; readonly iv: Mac };

async function sealKeysOf(secret: Uint8Array): Promise<SealKeys> {
  const [enc, iv] = await Promise.all([hkdf(secret, SALT, 'enc', 32), hkdf(secret, SALT, 'iv', 32)]);
  // Imported once: handed raw bytes, jose would import them again on every seal and open.
  const key = await crypto.subtle.importKey('raw', new Uint8Array(enc), 'AES-GCM', false, ['encrypt', 'decrypt']);
  return { enc: key, iv: await createMac(iv) };
}

export type Sealer = {
  seal(kind: string, jti: string, key: string): Promise<string>;
  /** The key, or `null` when the seal does not open for this kind and `jti` under any known secret. */
  open(kind: string, jti: string, sealed: string): Promise<string | null>;
};

/** Seals with `secrets[0]`; opens with any of them (the current secret, then the previous one). */
export async function createSealer(secrets: readonly Uint8Array[]): Promise<Sealer> {
  const generations = await Promise.all(secrets.map(sealKeysOf));
  const current = generations[0]!;
  return {
    async seal(kind, jti, key) {
      if (key.length === 0 || key.length > MAX_KEY_LENGTH) throw new RangeError('a key to seal is 1 to 512 characters');
      const iv = (await current.iv.sign(encoder.encode(`${kind}\0${jti}`))).subarray(0, 12);
      return new CompactEncrypt(encoder.encode(key))
        .setProtectedHeader({ alg: 'dir', enc: 'A256GCM', kind, jti })
        .setInitializationVector(iv)
        .encrypt(current.enc);
    },
    async open(kind, jti, sealed) {
      if (sealed.length > MAX_SEAL_LENGTH) return null;
      for (const generation of generations) {
        try {
          const { plaintext, protectedHeader } = await compactDecrypt(sealed, generation.enc, {
            keyManagementAlgorithms: ['dir'],
            contentEncryptionAlgorithms: ['A256GCM'],
          });
          if (protectedHeader.kind !== kind || protectedHeader.jti !== jti) return null;
          return new TextDecoder('utf-8', { fatal: true }).decode(plaintext);
        } catch {
          // Not this generation's seal (or not a seal at all): try the next.
        }
      }
      return null;
    },
  };
}
