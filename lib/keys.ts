/**
 * The only module that touches API keys. A key is reduced to its SHA-256 as soon as it arrives;
 * tokens, logs and Redis see only the fingerprint (the first 16 hex characters of that hash).
 */

export type Fingerprint = string & { readonly __brand: 'Fingerprint' };

const FINGERPRINT_HEX = 16;

const encoder = new TextEncoder();

async function sha256Hex(value: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', encoder.encode(value)));
  let hex = '';
  for (const b of digest) hex += b.toString(16).padStart(2, '0');
  return hex;
}

/** RFC-free house rule: the first 16 hex characters of SHA-256(key). */
export async function fingerprintOf(key: string): Promise<Fingerprint> {
  return (await sha256Hex(key)).slice(0, FINGERPRINT_HEX) as Fingerprint;
}

export function isFingerprintShaped(value: unknown): value is Fingerprint {
  return typeof value === 'string' && /^[0-9a-f]{16}$/.test(value);
}

export type Keyring = {
  /**
   * The fingerprint of `presented` when it is a configured key, else `null`.
   * A lookup of the presented key's full SHA-256 in a set: the time taken does not depend on
   * how much of the presented value matches a real key, because the caller cannot steer the hash.
   */
  identify(presented: string): Promise<Fingerprint | null>;
  /** Whether a fingerprint taken from a token still belongs to a configured key. */
  isCurrent(fingerprint: string): boolean;
  readonly size: number;
};

/** Builds the keyring once at start; never compares raw keys. */
export async function createKeyring(apiKeys: readonly string[]): Promise<Keyring> {
  const byHash = new Map<string, Fingerprint>();
  for (const key of apiKeys) {
    const hash = await sha256Hex(key);
    byHash.set(hash, hash.slice(0, FINGERPRINT_HEX) as Fingerprint);
  }
  const current = new Set<string>(byHash.values());
  return {
    async identify(presented) {
      // Bound the work an attacker can ask for; real keys are far shorter.
      if (presented.length === 0 || presented.length > 512) return null;
      return byHash.get(await sha256Hex(presented)) ?? null;
    },
    isCurrent: (fingerprint) => current.has(fingerprint),
    size: byHash.size,
  };
}
