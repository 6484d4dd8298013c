/**
 * What a client's public key set (RFC 7517 §5) must be to verify its assertions (RFC 7523):
 * public asymmetric keys only (RSA, EC P-256/P-384, OKP Ed25519). A key carrying private members,
 * a symmetric (`oct`) key or an unknown `kty` makes the whole set invalid: a client that publishes
 * one has a broken key set, and an `oct` key is the door to algorithm confusion.
 */
import type { JSONWebKeySet } from 'jose';

/** RSA and EC/OKP private members (RFC 7518 §6.2.2, §6.3.2; RFC 8037 §2) and the symmetric key. */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'] as const;
const CURVES: Readonly<Record<string, ReadonlySet<string>>> = {
  EC: new Set(['P-256', 'P-384']),
  OKP: new Set(['Ed25519']),
};
/** A real set holds a handful of keys; the document fetch already caps the bytes at 64 KiB. */
const MAX_KEYS = 32;

/** Why a key set is refused. `reason` is for the log: it never quotes key material. */
export class KeySetError extends Error {
  override name = 'KeySetError';
  constructor(readonly reason: string) {
    super(reason);
  }
}

function checkKey(key: unknown, index: number): void {
  if (typeof key !== 'object' || key === null || Array.isArray(key))
    throw new KeySetError(`key ${index} is not an object`);
  const jwk = key as Record<string, unknown>;
  if (PRIVATE_MEMBERS.some((member) => member in jwk))
    throw new KeySetError(`key ${index} has private or secret members`);
  switch (jwk.kty) {
    case 'RSA':
      if (typeof jwk.n !== 'string' || typeof jwk.e !== 'string') throw new KeySetError(`key ${index} lacks n or e`);
      return;
    case 'EC':
    case 'OKP':
      if (typeof jwk.crv !== 'string' || !CURVES[jwk.kty]!.has(jwk.crv)) {
        throw new KeySetError(`key ${index} has an unsupported curve`);
      }
      if (typeof jwk.x !== 'string' || (jwk.kty === 'EC' && typeof jwk.y !== 'string')) {
        throw new KeySetError(`key ${index} lacks its coordinates`);
      }
      return;
    default:
      throw new KeySetError(`key ${index} has a kty that is not RSA, EC or OKP`);
  }
}

/** The set, checked; or `KeySetError`. */
export function validatePublicKeySet(body: unknown): JSONWebKeySet {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new KeySetError('not a JSON object');
  const keys = (body as { keys?: unknown }).keys;
  if (!Array.isArray(keys) || keys.length === 0 || keys.length > MAX_KEYS) {
    throw new KeySetError(`keys is not an array of 1 to ${MAX_KEYS} keys`);
  }
  keys.forEach(checkKey);
  return { keys: keys as JSONWebKeySet['keys'] };
}

/**
 * The algorithms a client assertion may be signed with: the public-key ones these keys support.
 * Never `none`, never HS*: a shared-secret MAC over a public key is the algorithm-confusion attack.
 */
export const ASSERTION_ALGORITHMS = ['RS256', 'PS256', 'ES256', 'ES384', 'EdDSA'] as const;
