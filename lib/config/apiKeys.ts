/**
 * Where API keys come from: `MCP_API_KEYS` (the keys), `MCP_API_KEY_HASHES` (only their digests),
 * or `MCP_KEY_SERVICE_URL` (the operator's own key service, asked over HTTPS: `lib/keys/service.ts`).
 */
import { randomHex } from '../crypto/random';
import { isLoopbackHost } from '../url/loopback';
import {
  ConfigError,
  flagSetting,
  integerSetting,
  listSetting,
  parseOrRefuse,
  parseUrl,
  trimmed,
  type Env,
} from './settings';

export type KeyServiceSettings = {
  readonly kind: 'service';
  readonly url: string;
  /** Sent as `Authorization: Bearer …` so that only the gateway can ask. */
  readonly token: string;
  /** Send the key itself instead of its SHA-256 digest (for stores that hash with a salt). */
  readonly sendKey: boolean;
  readonly timeoutMs: number;
  /** How long an answer is reused in process; `0` asks every time. Negative answers: at most 10 s. */
  readonly cacheSeconds: number;
  /** While the service cannot answer, a subject seen active within this long stays active. */
  readonly staleSeconds: number;
};

export type KeySettings =
  | { readonly kind: 'list'; readonly apiKeys: readonly string[] }
  | { readonly kind: 'digests'; readonly digests: readonly string[] }
  | KeyServiceSettings
  /** `MCP_KEY_SOURCE=upstream`: a key is valid when the configured upstream accepts it. */
  | { readonly kind: 'upstream' };

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

function keyServiceSettings(env: Env, raw: string): KeyServiceSettings {
  const url = parseUrl(raw);
  if (!url)
    throw new ConfigError('MCP_KEY_SERVICE_URL must be an absolute URL such as https://keys.example.com/mcp-keys');
  if (url.username || url.password) {
    throw new ConfigError('MCP_KEY_SERVICE_URL must not carry credentials: the gateway sends MCP_KEY_SERVICE_TOKEN');
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopbackHost(url.hostname))) {
    throw new ConfigError('MCP_KEY_SERVICE_URL must use https (http is allowed only for a loopback host)');
  }
  const token = trimmed(env.MCP_KEY_SERVICE_TOKEN);
  if (!token) {
    throw new ConfigError(
      'MCP_KEY_SERVICE_TOKEN is required with MCP_KEY_SERVICE_URL: a shared secret only the gateway knows',
    );
  }
  if (token.length < 16 || !/^[\x21-\x7e]+$/.test(token)) {
    throw new ConfigError('MCP_KEY_SERVICE_TOKEN must be at least 16 printable ASCII characters without spaces');
  }
  const number = (name: string, fallback: number, max: number, min: number) =>
    parseOrRefuse(integerSetting(name, fallback, max, min), env[name], `${name} is invalid`);
  return {
    kind: 'service',
    url: url.href,
    token,
    sendKey:
      parseOrRefuse(
        flagSetting('MCP_KEY_SERVICE_SEND_KEY'),
        env.MCP_KEY_SERVICE_SEND_KEY,
        'MCP_KEY_SERVICE_SEND_KEY is invalid',
      ) ?? false,
    timeoutMs: number('MCP_KEY_SERVICE_TIMEOUT_MS', 3000, 30_000, 100),
    cacheSeconds: number('MCP_KEY_SERVICE_CACHE_SECONDS', 60, 3600, 0),
    staleSeconds: number('MCP_KEY_SERVICE_STALE_SECONDS', 300, 86_400, 0),
  };
}

/** Exactly one key source: the keys, their digests, or a key service (then the gateway holds no key). */
export function keySettings(env: Env): KeySettings {
  const keysRaw = trimmed(env.MCP_API_KEYS);
  const hashesRaw = trimmed(env.MCP_API_KEY_HASHES);
  const serviceRaw = trimmed(env.MCP_KEY_SERVICE_URL);
  const sourceRaw = trimmed(env.MCP_KEY_SOURCE);
  if (sourceRaw !== undefined && sourceRaw !== 'upstream') {
    throw new ConfigError('MCP_KEY_SOURCE must be upstream (or unset: the source then follows the key settings)');
  }
  const judge = sourceRaw === 'upstream';
  if ([keysRaw, hashesRaw, serviceRaw, judge].filter(Boolean).length > 1) {
    throw new ConfigError(
      'More than one of MCP_API_KEYS, MCP_API_KEY_HASHES, MCP_KEY_SERVICE_URL and MCP_KEY_SOURCE=upstream is set: set exactly one key source',
    );
  }
  if (judge) {
    if (!trimmed(env.MCP_UPSTREAM_URL)) {
      throw new ConfigError('MCP_KEY_SOURCE=upstream needs MCP_UPSTREAM_URL: the upstream is the judge of every key');
    }
    return { kind: 'upstream' };
  }
  if (serviceRaw) return keyServiceSettings(env, serviceRaw);
  if (trimmed(env.MCP_KEY_SERVICE_SEND_KEY) !== undefined) {
    throw new ConfigError(
      'MCP_KEY_SERVICE_SEND_KEY is set without MCP_KEY_SERVICE_URL: there is no key service to send to',
    );
  }
  if (hashesRaw) {
    const digests = digestList(hashesRaw);
    if (digests.length === 0)
      throw new ConfigError('MCP_API_KEY_HASHES is empty: list at least one SHA-256 digest (comma-separated)');
    return { kind: 'digests', digests };
  }
  const apiKeys = apiKeyList(keysRaw);
  if (apiKeys.length === 0) {
    throw new ConfigError(
      'MCP_API_KEYS is empty: set at least one API key (comma-separated), or MCP_API_KEY_HASHES, or MCP_KEY_SERVICE_URL',
    );
  }
  return { kind: 'list', apiKeys };
}

/** A development key when none is configured, so `npm run dev` works with no settings. */
export function developmentKey(env: Env): string | null {
  if (trimmed(env.MCP_API_KEYS) || trimmed(env.MCP_API_KEY_HASHES) || trimmed(env.MCP_KEY_SERVICE_URL)) return null;
  if (trimmed(env.MCP_KEY_SOURCE)) return null;
  return `dev_${randomHex(24)}`;
}
