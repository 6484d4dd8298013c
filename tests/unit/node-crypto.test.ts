import { createHash, createHmac } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';

const VALUES = ['key_alpha_0123456789abcdefghijkl', '', 'ü€𝄞 and a space', 'x'.repeat(512)];
const SECRET = new Uint8Array(Array.from({ length: 32 }, (_, i) => i * 7));

/** The modules as a runtime without `process.getBuiltinModule` (the Edge sandbox) loads them. */
async function withoutNodeCrypto() {
  const original = Object.getOwnPropertyDescriptor(process, 'getBuiltinModule')!;
  (process as { getBuiltinModule?: unknown }).getBuiltinModule = undefined;
  vi.resetModules();
  try {
    const [{ nodeCrypto }, { sha256Hex }, { createMac }] = await Promise.all([
      import('@/lib/crypto/nodeCrypto'),
      import('@/lib/crypto/sha256'),
      import('@/lib/crypto/mac'),
    ]);
    return { nodeCrypto, sha256Hex, createMac };
  } finally {
    Object.defineProperty(process, 'getBuiltinModule', original);
  }
}

afterEach(() => vi.resetModules());

describe("hashes on the request path: Node's synchronous crypto, Web Crypto elsewhere", () => {
  // @req KEY-FINGERPRINT
  it('gives the same SHA-256 and HMAC on both paths', async () => {
    vi.resetModules();
    const node = {
      ...(await import('@/lib/crypto/nodeCrypto')),
      ...(await import('@/lib/crypto/sha256')),
      ...(await import('@/lib/crypto/mac')),
    };
    const web = await withoutNodeCrypto();
    expect(typeof node.nodeCrypto?.createHmac).toBe('function');
    expect(web.nodeCrypto).toBeUndefined();
    const [nodeMac, webMac] = await Promise.all([node.createMac(SECRET), web.createMac(SECRET)]);
    for (const value of VALUES) {
      const expected = createHash('sha256').update(value, 'utf8').digest('hex');
      expect(await node.sha256Hex(value)).toBe(expected);
      expect(await web.sha256Hex(value)).toBe(expected);
      const data = new TextEncoder().encode(value);
      const mac = new Uint8Array(createHmac('sha256', SECRET).update(data).digest());
      expect(await nodeMac.sign(data)).toEqual(mac);
      expect(await webMac.sign(data)).toEqual(mac);
      expect(await nodeMac.verify(data, mac)).toBe(true);
      expect(await webMac.verify(data, mac)).toBe(true);
      const wrong = mac.slice();
      wrong[0] = wrong[0]! ^ 1;
      expect(await nodeMac.verify(data, wrong)).toBe(false);
      expect(await webMac.verify(data, wrong)).toBe(false);
      expect(await nodeMac.verify(data, mac.slice(0, 31))).toBe(false);
    }
  });
});

describe('createIdHasher on the synchronous HMAC', () => {
  // @req RL-REDIS-CONTENTS
  it('names every Redis id exactly as the Web Crypto derivation did, so counters survive the change', async () => {
    const { createIdHasher } = await import('@/lib/redis');
    const hashId = await createIdHasher(SECRET);
    // The previous derivation, verbatim: HKDF to an HMAC CryptoKey, then Web Crypto's sign.
    const base = await crypto.subtle.importKey('raw', SECRET, 'HKDF', false, ['deriveKey']);
    const key = await crypto.subtle.deriveKey(
      {
        name: 'HKDF',
        hash: 'SHA-256',
        salt: new TextEncoder().encode('mcp-oauth-gateway/redis-ids/v1'),
        info: new TextEncoder().encode('redis-ids'),
      },
      base,
      { name: 'HMAC', hash: 'SHA-256', length: 256 },
      false,
      ['sign'],
    );
    for (const [scope, id] of [
      ['rl:mcp', '400\u00003fddefc51c199558'],
      ['rl:token', 'secret:abc'],
      ['rf-dead', 'ü€𝄞'],
    ]) {
      const mac = new Uint8Array(await crypto.subtle.sign('HMAC', key, new TextEncoder().encode(`${scope}\0${id}`)));
      const expected = Buffer.from(mac.subarray(0, 16)).toString('hex');
      expect(await hashId(scope!, id!)).toBe(expected);
    }
  });
});
