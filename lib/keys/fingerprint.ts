import { hex } from '../encoding';
import { nodeCrypto } from '../nodeCrypto';
import type { Identification } from './source';

/** A key's public name: the first 16 hex characters of SHA-256(key). Never the key. */
export type Fingerprint = string & { readonly __brand: 'Fingerprint' };

const FINGERPRINT_HEX = 16;

const encoder = new TextEncoder();

/** Lowercase hex SHA-256 of `value`'s UTF-8 bytes (Node's synchronous hash where it exists: see lib/nodeCrypto.ts). */
export async function sha256Hex(value: string): Promise<string> {
  if (nodeCrypto) return nodeCrypto.createHash('sha256').update(value, 'utf8').digest('hex');
  return hex(new Uint8Array(await crypto.subtle.digest('SHA-256', encoder.encode(value))));
}

/** The fingerprint of a full SHA-256 hex digest. */
export function fingerprintOfDigest(digestHex: string): Fingerprint {
  return digestHex.slice(0, FINGERPRINT_HEX) as Fingerprint;
}

export async function fingerprintOf(key: string): Promise<Fingerprint> {
  return fingerprintOfDigest(await sha256Hex(key));
}

/** Presented values longer than this are refused unhashed: real keys are far shorter. */
const MAX_PRESENTED_KEY_LENGTH = 512;

/**
 * Looks a presented key up by its full SHA-256 in `byDigest`: the time taken does not depend on how
 * much of the presented value matches a real key, because the caller cannot steer the hash.
 */
export async function identifyByDigest(byDigest: ReadonlyMap<string, Fingerprint>, presented: string): Promise<Identification> {
  if (presented.length === 0 || presented.length > MAX_PRESENTED_KEY_LENGTH) return { outcome: 'unknown' };
  const fingerprint = byDigest.get(await sha256Hex(presented));
  return fingerprint ? { outcome: 'known', fingerprint } : { outcome: 'unknown' };
}
