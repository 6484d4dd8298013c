/** SHA-256 as lowercase hex, on Node's synchronous hash where it exists (see `nodeCrypto.ts`). */
import { hex } from './encoding';
import { nodeCrypto } from './nodeCrypto';

const encoder = new TextEncoder();

/** Lowercase hex SHA-256 of `value`'s UTF-8 bytes. */
export async function sha256Hex(value: string): Promise<string> {
  if (nodeCrypto) return nodeCrypto.createHash('sha256').update(value, 'utf8').digest('hex');
  return hex(new Uint8Array(await crypto.subtle.digest('SHA-256', encoder.encode(value))));
}
