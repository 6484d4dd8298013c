/**
 * The key source as the OAuth endpoints ask it: *unavailable* becomes 503 `temporarily_unavailable`
 * (thrown), so callers handle only "yes" and "no", and an outage is never answered or counted as a
 * wrong key.
 */
import type { Identification } from '../keys';
import type { Services } from '../services';
import { serviceUnavailable } from './errors';

export type KnownKey = Extract<Identification, { outcome: 'known' }>;

/** The subject and fingerprint of a presented API key, or `null` when it is not a valid key. */
export async function identifyPresentedKey(services: Services, presented: string): Promise<KnownKey | null> {
  const answer = await services.keys.identify(presented.trim());
  if (answer.outcome === 'unavailable') throw serviceUnavailable('key_source_unavailable');
  return answer.outcome === 'known' ? answer : null;
}

/** Whether a token's subject still names a valid key (removing a key revokes its tokens). */
export async function isKeyActive(services: Services, subject: string): Promise<boolean> {
  const answer = await services.keys.isActive(subject);
  if (answer === 'unavailable') throw serviceUnavailable('key_source_unavailable');
  return answer === 'active';
}
