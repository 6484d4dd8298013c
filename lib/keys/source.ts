import type { Fingerprint } from './fingerprint';

export type Identification =
  | { readonly outcome: 'known'; readonly fingerprint: Fingerprint }
  | { readonly outcome: 'unknown' }
  /** The source could not answer (a remote key service down): a 503, never a 401, never counted. */
  | { readonly outcome: 'unavailable' };

export type Activity = 'active' | 'inactive' | 'unavailable';

type SourceBase = {
  /** How many keys the source knows (for health and tests), `null` when it cannot tell. */
  readonly size: number | null;
  /**
   * The fingerprint of `presented` when it is a valid key. Implementations look up a hash of the
   * presented value, so the time taken does not depend on how much of it matches a real key.
   */
  identify(presented: string): Promise<Identification>;
  /** Whether a fingerprint taken from a token still names a valid key. */
  isActive(fingerprint: string): Promise<Activity>;
};

/**
 * Either a source that holds keys (and can hand one to the upstream backend) or one that holds
 * only digests. The union makes "forward a key we do not have" a compile error.
 */
export type KeySource =
  | (SourceBase & {
      readonly kind: 'list';
      readonly holdsKeys: true;
      /** The key behind a fingerprint, for forwarding to the configured upstream only. */
      keyFor(fingerprint: Fingerprint): Promise<string | null>;
    })
  | (SourceBase & { readonly kind: 'digests'; readonly holdsKeys: false });
