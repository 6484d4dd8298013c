import { sha256Hex } from '../crypto/sha256';

/** A key's public name: the first 16 hex characters of SHA-256(key). Never the key. */
export type Fingerprint = string & { readonly __brand: 'Fingerprint' };

const FINGERPRINT_HEX = 16;

/** The fingerprint of a full SHA-256 hex digest. */
export function fingerprintOfDigest(digestHex: string): Fingerprint {
  return digestHex.slice(0, FINGERPRINT_HEX) as Fingerprint;
}

export async function fingerprintOf(key: string): Promise<Fingerprint> {
  return fingerprintOfDigest(await sha256Hex(key));
}
