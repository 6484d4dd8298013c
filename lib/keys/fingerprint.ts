import { sha256Hex } from '../crypto/sha256';

/** A key's public name: the first 16 hex characters of SHA-256(key). Never the key. */
export type Fingerprint = string & { readonly __brand: 'Fingerprint' };

const FINGERPRINT_HEX = 16;
const FINGERPRINT = /^[0-9a-f]{16}$/;

/** `value` as a fingerprint when it has a fingerprint's shape (a verified token's `sub`), else `undefined`. */
export function asFingerprint(value: string | undefined): Fingerprint | undefined {
  return value !== undefined && FINGERPRINT.test(value) ? (value as Fingerprint) : undefined;
}

/** The fingerprint of a full SHA-256 hex digest. */
export function fingerprintOfDigest(digestHex: string): Fingerprint {
  return digestHex.slice(0, FINGERPRINT_HEX) as Fingerprint;
}

export async function fingerprintOf(key: string): Promise<Fingerprint> {
  return fingerprintOfDigest(await sha256Hex(key));
}
