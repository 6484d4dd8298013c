/**
 * A small per-instance cache of validated documents, fresh for as long as the document's own HTTP
 * cache headers say (RFC 9111 §4.2.1), within bounds: never past `MAX_TTL_SECONDS`, never more
 * than `MAX_ENTRIES` documents (the least recently used goes first). No Redis: each instance
 * fetches a document at most once per freshness period.
 */
export const MAX_TTL_SECONDS = 24 * 3600;
/** RFC 9111 §4.2.2 heuristic freshness when the response names none. */
export const DEFAULT_TTL_SECONDS = 300;
const MAX_ENTRIES = 256;

export type CacheHeaders = {
  readonly cacheControl: string | null;
  readonly expires: string | null;
  readonly date: string | null;
  readonly age: string | null;
};

/** Seconds the response may be reused for, `0` for not at all. */
export function freshnessSeconds(headers: CacheHeaders, nowMs: number): number {
  const directives = new Map<string, string | undefined>();
  for (const part of (headers.cacheControl ?? '').split(',')) {
    const [name, value] = part.trim().split('=', 2) as [string, string | undefined];
    if (name) directives.set(name.toLowerCase(), value?.replace(/^"|"$/g, ''));
  }
  if (directives.has('no-store') || directives.has('no-cache')) return 0;
  const age = Math.max(0, Number(headers.age) || 0);
  const maxAge = directives.get('max-age');
  let ttl: number;
  if (maxAge !== undefined) {
    const n = Number(maxAge);
    ttl = Number.isInteger(n) && n >= 0 ? n - age : 0;
  } else if (headers.expires !== null) {
    const expires = Date.parse(headers.expires);
    const date = headers.date !== null ? Date.parse(headers.date) : nowMs;
    // RFC 9111 §5.3: an invalid Expires (e.g. "0") means already expired.
    ttl = Number.isNaN(expires) ? 0 : Math.floor((expires - (Number.isNaN(date) ? nowMs : date)) / 1000) - age;
  } else {
    ttl = DEFAULT_TTL_SECONDS;
  }
  return Math.max(0, Math.min(MAX_TTL_SECONDS, ttl));
}

export class BoundedTtlCache<V> {
  readonly #entries = new Map<string, { value: V; expiresAt: number }>();
  constructor(
    private readonly now: () => number = Date.now,
    private readonly maxEntries: number = MAX_ENTRIES,
  ) {}

  get(key: string): V | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    this.#entries.delete(key);
    if (entry.expiresAt <= this.now()) return undefined;
    this.#entries.set(key, entry);
    return entry.value;
  }

  set(key: string, value: V, ttlSeconds: number): void {
    this.#entries.delete(key);
    if (ttlSeconds <= 0) return;
    this.#entries.set(key, { value, expiresAt: this.now() + Math.min(ttlSeconds, MAX_TTL_SECONDS) * 1000 });
    while (this.#entries.size > this.maxEntries) this.#entries.delete(this.#entries.keys().next().value!);
  }

  get size(): number {
    return this.#entries.size;
  }
}
