/**
 * HMAC-SHA-256 under one fixed key, the primitive behind every token signature. On Node it is
 * Node's own synchronous `crypto` (reached through `process.getBuiltinModule`, so bundles for the
 * Edge runtime never import it); elsewhere Web Crypto. Node's Web Crypto runs each HMAC as a
 * thread-pool job, which made it more than half the cost of verifying a token on the `/mcp` path.
 */
import { nodeCrypto } from './nodeCrypto';

export type Mac = {
  sign(data: Uint8Array): Promise<Uint8Array>;
  /** Constant-time comparison of `mac` with the MAC of `data`. */
  verify(data: Uint8Array, mac: Uint8Array): Promise<boolean>;
};

export async function createMac(raw: Uint8Array): Promise<Mac> {
  const node = nodeCrypto;
  if (node) {
    const key = node.createSecretKey(raw);
    const sign = (data: Uint8Array) => new Uint8Array(node.createHmac('sha256', key).update(data).digest());
    return {
      sign: async (data) => sign(data),
      async verify(data, mac) {
        const expected = sign(data);
        return mac.byteLength === expected.byteLength && node.timingSafeEqual(mac, expected);
      },
    };
  }
  const key = await crypto.subtle.importKey('raw', raw as BufferSource, { name: 'HMAC', hash: 'SHA-256' }, false, [
    'sign',
    'verify',
  ]);
  return {
    sign: async (data) => new Uint8Array(await crypto.subtle.sign('HMAC', key, data as BufferSource)),
    // Web Crypto's verify compares in constant time.
    verify: (data, mac) => crypto.subtle.verify('HMAC', key, mac as BufferSource, data as BufferSource),
  };
}
