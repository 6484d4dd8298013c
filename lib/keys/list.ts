import { fingerprintOfDigest, MAX_PRESENTED_KEY_LENGTH, sha256Hex, type Fingerprint } from './fingerprint';
import type { KeySource } from './source';

/**
 * `MCP_API_KEYS`: the keys themselves, reduced to their SHA-256 at start. Membership is a `Map`
 * lookup of the presented key's full digest; raw keys are never compared.
 */
export async function createListKeySource(apiKeys: readonly string[]): Promise<KeySource> {
  const byDigest = new Map<string, Fingerprint>();
  const keyByFingerprint = new Map<string, string>();
  for (const key of apiKeys) {
    const digest = await sha256Hex(key);
    const fingerprint = fingerprintOfDigest(digest);
    byDigest.set(digest, fingerprint);
    keyByFingerprint.set(fingerprint, key);
  }
  return {
    kind: 'list',
    holdsKeys: true,
    size: byDigest.size,
    async identify(presented) {
      if (presented.length === 0 || presented.length > MAX_PRESENTED_KEY_LENGTH) return { outcome: 'unknown' };
      const fingerprint = byDigest.get(await sha256Hex(presented));
      return fingerprint ? { outcome: 'known', fingerprint } : { outcome: 'unknown' };
    },
    async isActive(fingerprint) {
      return keyByFingerprint.has(fingerprint) ? 'active' : 'inactive';
    },
    async keyFor(fingerprint) {
      return keyByFingerprint.get(fingerprint) ?? null;
    },
  };
}
