import type { Fingerprint } from './fingerprint';

/**
 * A known key's `subject` is what tokens carry as `sub` and what `isActive` is asked about: the
 * fingerprint for sources that hold keys or digests, the operator's own id for a key service.
 * `fingerprint` is the public name events and limits use.
 */
export type Identification =
  | { readonly outcome: 'known'; readonly subject: string; readonly fingerprint: Fingerprint }
  | { readonly outcome: 'unknown' }
  /** The source could not answer (a remote key service down): a 503, never a 401, never counted. */
  | { readonly outcome: 'unavailable' };

export type Activity = 'active' | 'inactive' | 'unavailable';

export type IdentifyOptions = {
  /** Ask afresh, past any cached answer (the refresh grant judging a sealed key again). */
  readonly fresh?: boolean;
};

export type SourceKind = 'list' | 'digests' | 'service' | 'upstream';
/** A key service's last question: what `/api/health` and the deployment check say about it. */
export type KeyServiceStatus = 'answered' | 'unavailable' | 'bad answer' | 'not asked yet';

type SourceBase = {
  /** How many keys the source knows (for health and tests), `null` when it cannot tell. */
  readonly size: number | null;
  /**
   * The fingerprint of `presented` when it is a valid key. Implementations look up a hash of the
   * presented value, so the time taken does not depend on how much of it matches a real key.
   */
  identify(presented: string, options?: IdentifyOptions): Promise<Identification>;
  /** Whether a subject taken from a token still names a valid key. */
  isActive(subject: string): Promise<Activity>;
  /** The public name of a verified token's subject, for events and limits. */
  fingerprintOfSubject(subject: string): Fingerprint;
  /** What `/api/health` says about the source: its kind and, for a service, its last answer. Nothing secret. */
  health(): { readonly keySource: SourceKind; readonly keyService?: KeyServiceStatus };
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
  | (SourceBase & { readonly kind: Exclude<SourceKind, 'list'>; readonly holdsKeys: false });
