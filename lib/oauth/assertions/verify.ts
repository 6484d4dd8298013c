/**
 * Verifying a client assertion (RFC 7523 §3, RFC 7521 §4.2) with jose, against the keys the
 * client's metadata document names. Every refusal is `invalid_client` (401) with a short
 * description and one of a closed set of event reasons; the assertion itself is never logged,
 * echoed or stored (its `jti` reaches Redis only as a keyed hash).
 */
import { createLocalJWKSet, errors, jwtVerify, type JSONWebKeySet, type JWTPayload } from 'jose';
import type { Services } from '../../services';
import type { Reason } from '../../observability/catalogue';
import type { KeySetSource } from '../cimd/document';
import { OAuthError, serviceUnavailable } from '../errors';
import { keySetAt, refetchedKeySetAt, type KeySetFailure } from './keySetCache';
import { ASSERTION_ALGORITHMS } from './keySet';

export const CLIENT_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
/** Larger than any real assertion (ChatGPT's are under 1 KiB); refused before any parsing. */
export const MAX_ASSERTION_BYTES = 8 * 1024;
/** An assertion is short-lived: `exp` at most this far after `iat`, and after now. */
export const MAX_ASSERTION_LIFETIME_SECONDS = 300;
const CLOCK_TOLERANCE_SECONDS = 5;

export type AssertionReason =
  | 'assertion_missing'
  | 'assertion_malformed'
  | 'assertion_bad_signature'
  | 'assertion_wrong_audience'
  | 'assertion_expired'
  | 'assertion_replayed'
  | KeySetFailure;

const DESCRIPTIONS: Record<AssertionReason, string> = {
  assertion_missing: 'This client must authenticate with a client assertion (private_key_jwt).',
  assertion_malformed: 'The client assertion is malformed or names another client.',
  assertion_bad_signature: "The client assertion's signature does not verify with the client's keys.",
  assertion_wrong_audience: "The client assertion's aud names neither this token endpoint nor this issuer.",
  assertion_expired: 'The client assertion has expired or is valid for too long.',
  assertion_replayed: 'The client assertion was already used.',
  jwks_unavailable: "The client's key set could not be fetched.",
  jwks_invalid: "The client's key set is not a set of public signing keys.",
};

export function assertionRefused(reason: AssertionReason): OAuthError {
  return new OAuthError('invalid_client', DESCRIPTIONS[reason], { reason: reason satisfies Reason });
}

/** The `jose` verdict as one of our reasons. */
function reasonOfJoseError(error: unknown): AssertionReason {
  if (error instanceof errors.JWTExpired) return 'assertion_expired';
  if (error instanceof errors.JWTClaimValidationFailed) {
    return error.claim === 'aud' ? 'assertion_wrong_audience' : 'assertion_malformed';
  }
  if (
    error instanceof errors.JWSSignatureVerificationFailed ||
    error instanceof errors.JWKSNoMatchingKey ||
    error instanceof errors.JWKSMultipleMatchingKeys ||
    error instanceof errors.JOSEAlgNotAllowed
  ) {
    return 'assertion_bad_signature';
  }
  if (error instanceof errors.JWKInvalid || error instanceof errors.JWKSInvalid) return 'jwks_invalid';
  return 'assertion_malformed';
}

async function verifyWith(
  assertion: string,
  keys: JSONWebKeySet,
  clientId: string,
  services: Services,
): Promise<JWTPayload> {
  const { config } = services;
  const { payload } = await jwtVerify(assertion, createLocalJWKSet(keys), {
    algorithms: [...ASSERTION_ALGORITHMS],
    issuer: clientId,
    subject: clientId,
    // draft-ietf-oauth-rfc7523bis: the issuer identifier; RFC 7523 §3: the token endpoint URL.
    audience: [config.issuer, `${config.issuer}/oauth/token`],
    requiredClaims: ['exp', 'jti'],
    clockTolerance: CLOCK_TOLERANCE_SECONDS,
    currentDate: new Date(services.tokens.nowSeconds() * 1000),
  });
  return payload;
}

async function verifySignature(
  assertion: string,
  clientId: string,
  source: KeySetSource,
  services: Services,
): Promise<JWTPayload> {
  const allowPrivate = services.config.dangerouslyAllowPrivateCimdHosts;
  const keys =
    source.kind === 'inline' ? { ok: true as const, value: source.keys } : await keySetAt(source.uri, allowPrivate);
  if (!keys.ok) throw assertionRefused(keys.reason);
  try {
    return await verifyWith(assertion, keys.value, clientId, services);
  } catch (error) {
    // A key id the cached set lacks: the client may have rotated; look once more (throttled).
    if (!(error instanceof errors.JWKSNoMatchingKey) || source.kind === 'inline') throw error;
    const again = refetchedKeySetAt(source.uri, allowPrivate);
    if (again === null) throw error;
    const fresh = await again;
    if (!fresh.ok) throw assertionRefused(fresh.reason);
    return verifyWith(assertion, fresh.value, clientId, services);
  }
}

/**
 * Verifies `assertion` as `clientId`'s, signed by a key of `source`, and spends its `jti`.
 * Throws `OAuthError`: `invalid_client` for every refusal, 503 when the replay check cannot answer.
 */
export async function verifyClientAssertion(
  assertion: string,
  clientId: string,
  source: KeySetSource,
  services: Services,
): Promise<void> {
  if (assertion.length > MAX_ASSERTION_BYTES) throw assertionRefused('assertion_malformed');
  let payload: JWTPayload;
  try {
    payload = await verifySignature(assertion, clientId, source, services);
  } catch (error) {
    if (error instanceof OAuthError) throw error;
    throw assertionRefused(reasonOfJoseError(error));
  }
  const now = services.tokens.nowSeconds();
  const exp = payload.exp!;
  const longLived =
    exp - now > MAX_ASSERTION_LIFETIME_SECONDS + CLOCK_TOLERANCE_SECONDS ||
    (payload.iat !== undefined && exp - payload.iat > MAX_ASSERTION_LIFETIME_SECONDS);
  if (longLived) throw assertionRefused('assertion_expired');
  if (typeof payload.jti !== 'string' || payload.jti === '') throw assertionRefused('assertion_malformed');
  // RFC 7523 §3 item 7: each jti once, remembered until the assertion would have expired anyway.
  const outcome = await services.singleUse.claim(
    `assertion:${clientId}\0${payload.jti}`,
    exp - now + CLOCK_TOLERANCE_SECONDS,
  );
  if (outcome === 'replayed') throw assertionRefused('assertion_replayed');
  if (outcome === 'unavailable') throw serviceUnavailable('redis_unavailable');
}
