import { createDigestKeySource } from './digests';
import { sha256Hex } from '../crypto/sha256';
import { fingerprintOfDigest } from './fingerprint';
import type { KeySource } from './source';

/**
 * `MCP_API_KEYS`: the keys themselves. Membership is the digest source's (each key reduced to its
 * SHA-256 at start, a presented key looked up by its own digest; raw keys are never compared);
 * holding the keys adds only `keyFor`, for forwarding a user's key to the configured upstream.
 */
export async function createListKeySource(apiKeys: readonly string[]): Promise<KeySource> {
  const digests = await Promise.all(apiKeys.map(sha256Hex));
  const keyByFingerprint = new Map<string, string>(apiKeys.map((key, i) => [fingerprintOfDigest(digests[i]!), key]));
  return {
    ...createDigestKeySource(digests),
    kind: 'list',
    holdsKeys: true,
    health: () => ({ keySource: 'list' }),
    async keyFor(fingerprint) {
      return keyByFingerprint.get(fingerprint) ?? null;
    },
  };
}
