/** `AUTH_SECRET` and `AUTH_SECRET_PREVIOUS`: the bytes every signing and sealing key derives from. */
import { base64UrlDecode } from '../crypto/encoding';
import { ConfigError, trimmed, type Env } from './settings';

export const MIN_SECRET_BYTES = 32;
/** Longer than any sane secret; refusing it keeps a pasted file or blob out of key derivation. */
const MAX_SECRET_CHARS = 1024;

/** base64 or base64url (padding optional), or `null` when `value` is neither. Never throws. */
function decodeBase64(value: string): Uint8Array | null {
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(value)) return null;
  const url = value.replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');
  // One leftover character carries fewer than 8 bits: no encoder produces it.
  if (url.length % 4 === 1) return null;
  try {
    return base64UrlDecode(url);
  } catch {
    return null;
  }
}

function decodeSecret(name: string, value: string): Uint8Array {
  if (value.length > MAX_SECRET_CHARS) {
    throw new ConfigError(
      `${name} is longer than ${MAX_SECRET_CHARS} characters: use 32 to 64 random bytes, hex or base64`,
    );
  }
  const bytes = /^(?:[0-9a-fA-F]{2})+$/.test(value)
    ? Uint8Array.from(value.match(/../g)!, (h) => parseInt(h, 16))
    : decodeBase64(value);
  if (!bytes) throw new ConfigError(`${name} must be hex or base64 encoding at least ${MIN_SECRET_BYTES} random bytes`);
  if (bytes.length < MIN_SECRET_BYTES) {
    throw new ConfigError(`${name} must encode at least ${MIN_SECRET_BYTES} bytes (it has ${bytes.length})`);
  }
  return bytes;
}

export type SecretSettings = { readonly authSecret: Uint8Array; readonly authSecretPrevious: Uint8Array | null };

export function secretSettings(env: Env): SecretSettings {
  const current = trimmed(env.AUTH_SECRET);
  if (!current)
    throw new ConfigError(`AUTH_SECRET is required: at least ${MIN_SECRET_BYTES} random bytes, hex or base64`);
  const previous = trimmed(env.AUTH_SECRET_PREVIOUS);
  return {
    authSecret: decodeSecret('AUTH_SECRET', current),
    authSecretPrevious: previous ? decodeSecret('AUTH_SECRET_PREVIOUS', previous) : null,
  };
}
