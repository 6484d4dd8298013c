import { base64UrlEncode, hex } from './encoding';

/** `bytes` random bytes as lowercase hex, from the Web Crypto CSPRNG. */
export function randomHex(bytes: number): string {
  return hex(crypto.getRandomValues(new Uint8Array(bytes)));
}

/** `bytes` random bytes as base64url without padding. */
export function randomBase64Url(bytes: number): string {
  return base64UrlEncode(crypto.getRandomValues(new Uint8Array(bytes)));
}
