/**
 * The key source as the OAuth endpoints ask it: *unavailable* becomes 503 `temporarily_unavailable`
 * (thrown), so callers handle only "yes" and "no", and an outage is never answered or counted as a
 * wrong key.
 */
import type { Identification, IdentifyOptions } from '../keys';
import type { Services } from '../services';
import type { Reason } from '../observability/catalogue';
import type { TokenService } from '../tokens';
import { serviceUnavailable, type OAuthError } from './errors';

export type KnownKey = Extract<Identification, { outcome: 'known' }>;

/** The subject and fingerprint of a presented API key, or `null` when it is not a valid key. */
export async function identifyPresentedKey(
  services: Services,
  presented: string,
  options?: IdentifyOptions,
): Promise<KnownKey | null> {
  const answer = await services.keys.identify(presented.trim(), options);
  if (answer.outcome === 'unavailable') throw serviceUnavailable('key_source_unavailable');
  return answer.outcome === 'known' ? answer : null;
}

/** Whether a token's subject still names a valid key (removing a key revokes its tokens). */
export async function isKeyActive(services: Services, subject: string): Promise<boolean> {
  const answer = await services.keys.isActive(subject);
  if (answer === 'unavailable') throw serviceUnavailable('key_source_unavailable');
  return answer === 'active';
}

/**
 * The user's key sealed in a verified code or refresh token, for tokens minted from it, when this
 * deployment seals keys (`config.sealsKeys`); `undefined` when it does not. A seal that does not
 * open refuses the grant (`seal_invalid`). `judge`: ask the key source about the key again (the
 * refresh grant does, so the upstream as judge can refuse a key it has revoked since).
 */
export async function sealedKeyOf(
  services: Services,
  kind: Parameters<TokenService['openSeal']>[0],
  claims: { readonly ks?: string; readonly jti: string; readonly sub: string },
  refuse: (reason: Reason) => OAuthError,
  judge: boolean,
): Promise<string | undefined> {
  if (!services.config.sealsKeys) return undefined;
  const key = await services.tokens.openSeal(kind, claims);
  if (key === null) throw refuse('seal_invalid');
  if (judge) {
    const known = await identifyPresentedKey(services, key, { fresh: true });
    if (known === null || known.subject !== claims.sub) throw refuse('key_revoked');
  }
  return key;
}
