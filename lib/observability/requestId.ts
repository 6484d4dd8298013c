/**
 * The request id: the caller's `X-Request-Id` when it is well-formed (so an id set by a proxy or a
 * client follows the request through), otherwise a new random one. Never derived from a secret.
 */

export const REQUEST_ID_HEADER = 'X-Request-Id';

/** At most 128 characters a log line and a header can carry unescaped. */
const WELL_FORMED = /^[A-Za-z0-9._:-]{1,128}$/;

export function isWellFormedRequestId(value: string | null): value is string {
  return value !== null && WELL_FORMED.test(value);
}

/** The incoming id if well-formed, else a new UUID (Web Crypto: Edge and Node alike). */
export function requestIdFrom(incoming: string | null): string {
  return isWellFormedRequestId(incoming) ? incoming : crypto.randomUUID();
}
