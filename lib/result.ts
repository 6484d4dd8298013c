/**
 * The one shape of an expected failure in `lib/`: a value with a closed, tagged reason. Code throws
 * only for the unexpected (a bug, a broken invariant); everything a caller must handle is a
 * `Result` or a union tagged the same way (`ok: false` and a `reason` from a closed set).
 */
export type Result<T, R extends string> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly reason: R };

export function ok<T>(value: T): { readonly ok: true; readonly value: T } {
  return { ok: true, value };
}

export function failure<R extends string>(reason: R): { readonly ok: false; readonly reason: R } {
  return { ok: false, reason };
}
