/**
 * Key sources: the only code that touches API keys. A key source answers three questions, each
 * asynchronously and each with an *unavailable* answer that is never mistaken for "no":
 *
 * - `identify(presented)`: which fingerprint is this presented key? (known / unknown / unavailable)
 * - `isActive(fingerprint)`: does a fingerprint taken from a token still name a key?
 * - `keyFor(fingerprint)`: the key itself, only from sources that hold keys (to forward upstream).
 *
 * A fingerprint is the first 16 hex characters of SHA-256(key), or for a key service a keyed hash
 * of its subject. Token subjects are opaque to everything but the key source.
 */
export { sha256Hex } from '../crypto/sha256';
export { fingerprintOf, type Fingerprint } from './fingerprint';
export { createListKeySource } from './list';
export { createDigestKeySource } from './digests';
export { createKeyServiceSource } from './service';
export { createUpstreamJudgeSource } from './upstreamJudge';
export type { Activity, Identification, IdentifyOptions, KeySource } from './source';
