/** Where API keys come from: `MCP_API_KEYS` (the keys) or `MCP_API_KEY_HASHES` (only their digests). */
import { randomHex } from '../crypto/random';
import { ConfigError, listSetting, trimmed, type Env } from './settings';

export type KeySettings =
  | { readonly kind: 'list'; readonly apiKeys: readonly string[] }
  | { readonly kind: 'digests'; readonly digests: readonly string[] };

const MIN_API_KEY_LENGTH = 24;
const MAX_KEYS = 100_000;

function digestList(raw: string | undefined): string[] {
  const digests = listSetting().parse(raw);
  if (digests.length > MAX_KEYS) throw new ConfigError(`MCP_API_KEY_HASHES lists more than ${MAX_KEYS} digests`);
  digests.forEach((digest, i) => {
    if (!/^[0-9a-f]{64}$/.test(digest)) {
      throw new ConfigError(
        `MCP_API_KEY_HASHES entry #${i + 1} is not a lowercase hex SHA-256 digest (64 characters 0-9a-f)`,
      );
    }
  });
  return [...new Set(digests)];
}

function apiKeyList(raw: string | undefined): string[] {
  const keys = listSetting().parse(raw);
  keys.forEach((key, i) => {
    // Never echo the key: name its position only.
    if (key.length < MIN_API_KEY_LENGTH) {
      throw new ConfigError(`MCP_API_KEYS entry #${i + 1} is shorter than ${MIN_API_KEY_LENGTH} characters`);
    }
    if (!/^[\x21-\x7e]+$/.test(key))
      throw new ConfigError(`MCP_API_KEYS entry #${i + 1} must be printable ASCII without spaces`);
  });
  return [...new Set(keys)];
}

/** Exactly one key source: the keys, or their digests (then the gateway never holds a key). */
export function keySettings(env: Env): KeySettings {
  const keysRaw = trimmed(env.MCP_API_KEYS);
  const hashesRaw = trimmed(env.MCP_API_KEY_HASHES);
  if (keysRaw && hashesRaw)
    throw new ConfigError('MCP_API_KEYS and MCP_API_KEY_HASHES are both set: set exactly one key source');
  if (hashesRaw) {
    const digests = digestList(hashesRaw);
    if (digests.length === 0)
      throw new ConfigError('MCP_API_KEY_HASHES is empty: list at least one SHA-256 digest (comma-separated)');
    return { kind: 'digests', digests };
  }
  const apiKeys = apiKeyList(keysRaw);
  if (apiKeys.length === 0) {
    throw new ConfigError('MCP_API_KEYS is empty: set at least one API key (comma-separated), or MCP_API_KEY_HASHES');
  }
  return { kind: 'list', apiKeys };
}

/** A development key when none is configured, so `npm run dev` works with no settings. */
export function developmentKey(env: Env): string | null {
  if (trimmed(env.MCP_API_KEYS) || trimmed(env.MCP_API_KEY_HASHES)) return null;
  return `dev_${randomHex(24)}`;
}
