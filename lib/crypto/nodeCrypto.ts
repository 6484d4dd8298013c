/**
 * Node's own `crypto`, where the runtime has it, reached through `process.getBuiltinModule` so that
 * bundles for the Edge runtime never import it. Node runs every Web Crypto call as a thread-pool
 * job with a promise around it; for the hashes on the request path (a token's HMAC, an API key's
 * SHA-256) that costs far more than the hash. `undefined` elsewhere: callers fall back to Web Crypto.
 */
import type * as NodeCrypto from 'node:crypto';

export const nodeCrypto = (
  globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }
).process?.getBuiltinModule?.('node:crypto') as typeof NodeCrypto | undefined;
