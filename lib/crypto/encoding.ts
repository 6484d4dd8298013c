/** Byte encodings used across `lib/`. base64url is jose's (one implementation in the tree). */
export { encode as base64UrlEncode, decode as base64UrlDecode } from 'jose/base64url';

/** Lowercase hex of `bytes`. */
export function hex(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) out += b.toString(16).padStart(2, '0');
  return out;
}
