import { identifyByDigest } from './byDigest';
import { fingerprintOfDigest, type Fingerprint } from './fingerprint';
import type { KeySource } from './source';

/**
 * `MCP_API_KEY_HASHES`: lowercase hex SHA-256 digests of the keys. The gateway then holds no key
 * at all: a presented key is hashed and looked up, fingerprints come from the digests, and there is
 * nothing to forward upstream (`holdsKeys: false`).
 */
export function createDigestKeySource(digests: readonly string[]): KeySource {
  const byDigest = new Map<string, Fingerprint>(digests.map((d) => [d, fingerprintOfDigest(d)]));
  const active = new Set<string>(byDigest.values());
  return {
    kind: 'digests',
    holdsKeys: false,
    size: byDigest.size,
    identify: (presented) => identifyByDigest(byDigest, presented),
    async isActive(subject) {
      return active.has(subject) ? 'active' : 'inactive';
    },
    // A subject here is the key's fingerprint itself (and only a verified token's is asked).
    fingerprintOfSubject: (subject) => subject as Fingerprint,
    health: () => ({ keySource: 'digests' }),
  };
}
