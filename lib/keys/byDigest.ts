import { sha256Hex } from '../crypto/sha256';
import type { Fingerprint } from './fingerprint';
import type { Identification } from './source';

/** Presented values longer than this are refused unhashed: real keys are far shorter. */
const MAX_PRESENTED_KEY_LENGTH = 512;

/**
 * Looks a presented API key up by its full SHA-256 in `byDigest`: the time taken does not depend on
 * how much of the presented value matches a real key, because the caller cannot steer the hash.
 */
export async function identifyByDigest(
  byDigest: ReadonlyMap<string, Fingerprint>,
  presented: string,
): Promise<Identification> {
  if (presented.length === 0 || presented.length > MAX_PRESENTED_KEY_LENGTH) return { outcome: 'unknown' };
  const fingerprint = byDigest.get(await sha256Hex(presented));
  return fingerprint ? { outcome: 'known', subject: fingerprint, fingerprint } : { outcome: 'unknown' };
}
