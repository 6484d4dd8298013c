/**
 * HKDF-SHA-256 (RFC 5869), the one derivation of every key this app makes from `AUTH_SECRET`:
 * each use has its own `salt` and `info`, so no derived key can stand in for another.
 */
const encoder = new TextEncoder();

/** `bytes` bytes of HKDF-SHA-256 output for `secret`, `salt` and `info`. */
export async function hkdf(secret: Uint8Array, salt: string, info: string, bytes: number): Promise<Uint8Array> {
  const base = await crypto.subtle.importKey('raw', secret as BufferSource, 'HKDF', false, ['deriveBits']);
  const bits = await crypto.subtle.deriveBits(
    { name: 'HKDF', hash: 'SHA-256', salt: encoder.encode(salt), info: encoder.encode(info) },
    base,
    bytes * 8,
  );
  return new Uint8Array(bits);
}
