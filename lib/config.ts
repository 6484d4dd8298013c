/**
 * The one place the environment is read. `loadConfig` reads only the env record it is given, so
 * tests can build any configuration; in development it first fills missing values into that
 * record (`developmentDefaults`), so it is not pure there. `getConfig` reads `process.env` once
 * per process.
 *
 * Production refuses an unsafe configuration with a `ConfigError` whose message is one line naming
 * the setting; development fills the gaps (see `developmentDefaults`).
 */
import { z } from 'zod';
import { isLoopbackHost } from './url/loopback';
import { randomHex } from './crypto/random';
import { logFormatOf, parseLogFormat, type LogFormat } from './observability/logFormat';
import { parseSafeRedirectUri } from './url/safeRedirectUri';
import packageJson from '../package.json';

const MIN_SECRET_BYTES = 32;
const MIN_API_KEY_LENGTH = 24;
const MAX_ACCESS_TOKEN_TTL_SECONDS = 3600;
const MAX_REFRESH_REUSE_GRACE_SECONDS = 300;

export type RateLimits = {
  /** Token requests per credential per minute. */
  readonly tokenPerMinute: number;
  /** Failed client authentications and consent attempts per client IP per minute. */
  readonly failedAuthPerMinute: number;
  /** Dynamic client registrations per client IP per minute. */
  readonly registrationPerMinute: number;
  /** `/mcp` requests per key fingerprint per minute. */
  readonly mcpPerMinute: number;
};

export type Config = {
  readonly mode: 'production' | 'development';
  /** External origin without a trailing slash; the issuer. */
  readonly publicUrl: string;
  readonly issuer: string;
  /** `publicUrl`'s host (with port), lowercase; and whether it is a loopback host (local runs). */
  readonly publicHost: string;
  readonly publicUrlIsLoopback: boolean;
  /** The protected resource: `publicUrl + '/mcp'` (RFC 8707 / RFC 9728). */
  readonly resource: string;
  /** RFC 9728 §3.1: the metadata URL for the `/mcp` resource. */
  readonly resourceMetadataUrl: string;
  readonly authSecret: Uint8Array;
  readonly authSecretPrevious: Uint8Array | null;
  /** Where API keys come from: the keys themselves, or only their SHA-256 digests. */
  readonly keys: KeySettings;
  /** When set, `/mcp` forwards to this MCP server instead of serving the in-process tools. */
  readonly upstream: UpstreamSettings | null;
  readonly redis: { readonly url: string; readonly token: string } | null;
  readonly oauthClientId: string;
  /**
   * Extra hosts allowed for `https` redirect URIs of registered clients (`OAUTH_REDIRECT_HOSTS`),
   * beyond the built-in known clients of `lib/oauth/knownClients.ts`.
   */
  readonly redirectHosts: readonly string[];
  /** Extra exact redirect URIs (`OAUTH_REDIRECT_URIS`), e.g. a native app's private-use scheme. */
  readonly redirectUris: readonly string[];
  /**
   * `CIMD_ALLOW_PRIVATE_HOSTS=1`: Client ID Metadata Documents may be fetched from loopback,
   * private and link-local addresses (tests, private networks). Off by default (SSRF).
   */
  readonly dangerouslyAllowPrivateCimdHosts: boolean;
  readonly accessTokenTtlSeconds: number;
  readonly refreshTokenTtlSeconds: number;
  /**
   * A refresh token presented again within this many seconds of its first use gets the first
   * answer again, byte for byte (a twin); later, the reuse kills its family (`lib/oauth/state/refreshFamilies.ts`).
   */
  readonly refreshReuseGraceSeconds: number;
  readonly limits: RateLimits;
  /**
   * Whether `x-real-ip`/`x-forwarded-for` name the client: on Vercel (its edge sets them), or when
   * `TRUST_PROXY_HEADERS` says the operator's own proxy sets them (see `lib/http/clientIp.ts`).
   */
  readonly trustProxyHeaders: boolean;
  readonly version: string;
  /** `LOG_FORMAT`: JSON lines (production default, what log drains read) or one readable line per event. */
  readonly logFormat: LogFormat;
};

export type KeySettings =
  | { readonly kind: 'list'; readonly apiKeys: readonly string[] }
  | { readonly kind: 'digests'; readonly digests: readonly string[] };

export type UpstreamSettings = {
  /** The exact URL every forwarded request goes to (https, or http to a loopback host). */
  readonly url: string;
  /** Lowercase header name that carries the user's key; `authorization` sends `Bearer <key>`. */
  readonly keyHeader: string;
  /** Time allowed until the upstream's response headers arrive. */
  readonly timeoutMs: number;
};

/** A configuration the server must not run with. The message is one line naming the setting. */
export class ConfigError extends TypeError {
  override name = 'ConfigError';
}

type Env = Record<string, string | undefined>;

const positiveInt = (name: string, fallback: number, max = 1_000_000, min = 1) =>
  z
    .string()
    .optional()
    .transform((raw, ctx) => {
      if (raw === undefined || raw.trim() === '') return fallback;
      const n = Number(raw);
      if (!Number.isInteger(n) || n < min || n > max) {
        ctx.addIssue({ code: 'custom', message: `${name} must be an integer from ${min} to ${max}` });
        return z.NEVER;
      }
      return n;
    });

/** Longer than any sane secret; refusing it keeps a pasted file or blob out of key derivation. */
const MAX_SECRET_CHARS = 1024;

/** base64 or base64url (padding optional), or `null` when `value` is neither. Never throws. */
function decodeBase64(value: string): Uint8Array | null {
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(value)) return null;
  const b64 = value.replace(/=+$/, '').replace(/-/g, '+').replace(/_/g, '/');
  // One leftover character carries fewer than 8 bits: no encoder produces it.
  if (b64.length % 4 === 1) return null;
  try {
    return Uint8Array.from(atob(b64.padEnd(Math.ceil(b64.length / 4) * 4, '=')), (c) => c.charCodeAt(0));
  } catch {
    return null;
  }
}

function decodeSecret(name: string, raw: string): Uint8Array {
  const value = raw.trim();
  if (value.length > MAX_SECRET_CHARS) throw new ConfigError(`${name} is longer than ${MAX_SECRET_CHARS} characters: use 32 to 64 random bytes, hex or base64`);
  let bytes: Uint8Array | null = null;
  if (/^(?:[0-9a-fA-F]{2})+$/.test(value)) {
    bytes = Uint8Array.from(value.match(/../g)!, (h) => parseInt(h, 16));
  } else {
    bytes = decodeBase64(value);
  }
  if (!bytes) throw new ConfigError(`${name} must be hex or base64 encoding at least ${MIN_SECRET_BYTES} random bytes`);
  if (bytes.length < MIN_SECRET_BYTES) {
    throw new ConfigError(`${name} must encode at least ${MIN_SECRET_BYTES} bytes (it has ${bytes.length})`);
  }
  return bytes;
}

function resolvePublicUrl(env: Env, mode: Config['mode']): string {
  let raw = env.PUBLIC_URL?.trim();
  if (!raw && env.VERCEL) {
    // Vercel: the stable production domain in production, the deployment's own URL in previews.
    const host = env.VERCEL_ENV === 'production' ? env.VERCEL_PROJECT_PRODUCTION_URL : env.VERCEL_URL;
    if (host) raw = `https://${host}`;
  }
  if (!raw) {
    if (mode === 'production') throw new ConfigError('PUBLIC_URL is required in production (e.g. https://mcp.example.com)');
    raw = `http://localhost:${env.PORT?.trim() || '3000'}`;
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError('PUBLIC_URL must be an absolute URL such as https://mcp.example.com');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new ConfigError('PUBLIC_URL must use https');
  if (url.pathname !== '/' || url.search || url.hash || url.username || url.password) {
    throw new ConfigError('PUBLIC_URL must be an origin only, with no path, query or fragment');
  }
  if (mode === 'production' && url.protocol !== 'https:' && !isLoopbackHost(url.hostname)) {
    throw new ConfigError('PUBLIC_URL must use https in production (http is allowed only for loopback hosts)');
  }
  return url.origin;
}

const MAX_KEYS = 100_000;

function parseDigests(raw: string): string[] {
  const digests = raw
    .split(',')
    .map((d) => d.trim())
    .filter((d) => d.length > 0);
  if (digests.length > MAX_KEYS) throw new ConfigError(`MCP_API_KEY_HASHES lists more than ${MAX_KEYS} digests`);
  digests.forEach((digest, i) => {
    if (!/^[0-9a-f]{64}$/.test(digest)) {
      throw new ConfigError(`MCP_API_KEY_HASHES entry #${i + 1} is not a lowercase hex SHA-256 digest (64 characters 0-9a-f)`);
    }
  });
  return [...new Set(digests)];
}

/** Exactly one key source: the keys, or their digests (then the gateway never holds a key). */
function parseKeySettings(env: Env): KeySettings {
  const keysRaw = env.MCP_API_KEYS?.trim();
  const hashesRaw = env.MCP_API_KEY_HASHES?.trim();
  if (keysRaw && hashesRaw) throw new ConfigError('MCP_API_KEYS and MCP_API_KEY_HASHES are both set: set exactly one key source');
  if (hashesRaw) {
    const digests = parseDigests(hashesRaw);
    if (digests.length === 0) throw new ConfigError('MCP_API_KEY_HASHES is empty: list at least one SHA-256 digest (comma-separated)');
    return { kind: 'digests', digests };
  }
  const apiKeys = parseApiKeys(keysRaw);
  if (apiKeys.length === 0) throw new ConfigError('MCP_API_KEYS is empty: set at least one API key (comma-separated), or MCP_API_KEY_HASHES');
  return { kind: 'list', apiKeys };
}

/** RFC 9110 §5.1 token characters: what a header name may be. */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,64}$/;
/** Headers the forwarder owns or that would change how the request is framed or routed. */
const RESERVED_KEY_HEADERS = new Set([
  'host', 'content-length', 'content-type', 'accept', 'transfer-encoding', 'connection', 'cookie', 'te', 'trailer', 'upgrade',
  'keep-alive', 'proxy-authorization', 'proxy-connection', 'mcp-session-id', 'mcp-protocol-version', 'last-event-id', 'mcp-method', 'mcp-name',
]);

function parseUpstream(env: Env, keys: KeySettings): UpstreamSettings | null {
  const raw = env.MCP_UPSTREAM_URL?.trim();
  if (!raw) return null;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError('MCP_UPSTREAM_URL must be an absolute URL such as https://mcp.example.com/mcp');
  }
  if (url.username || url.password) throw new ConfigError('MCP_UPSTREAM_URL must not carry credentials: the key travels in MCP_UPSTREAM_KEY_HEADER');
  if (url.hash) throw new ConfigError('MCP_UPSTREAM_URL must not have a fragment');
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopbackHost(url.hostname))) {
    throw new ConfigError('MCP_UPSTREAM_URL must use https (http is allowed only for a loopback host)');
  }
  if (keys.kind === 'digests') {
    throw new ConfigError('MCP_UPSTREAM_URL needs the keys themselves (MCP_API_KEYS): with MCP_API_KEY_HASHES there is no key to forward');
  }
  const headerRaw = env.MCP_UPSTREAM_KEY_HEADER?.trim() || 'Authorization';
  if (!HEADER_NAME.test(headerRaw)) throw new ConfigError('MCP_UPSTREAM_KEY_HEADER must be a header name such as Authorization or X-API-Key');
  const keyHeader = headerRaw.toLowerCase();
  if (RESERVED_KEY_HEADERS.has(keyHeader)) throw new ConfigError(`MCP_UPSTREAM_KEY_HEADER cannot be ${headerRaw}: the forwarder sets that header itself`);
  const timeout = positiveInt('MCP_UPSTREAM_TIMEOUT_MS', 30_000, 900_000).safeParse(env.MCP_UPSTREAM_TIMEOUT_MS);
  if (!timeout.success) throw new ConfigError(timeout.error.issues[0]?.message ?? 'MCP_UPSTREAM_TIMEOUT_MS is invalid');
  return { url: url.href, keyHeader, timeoutMs: timeout.data };
}

function parseApiKeys(raw: string | undefined): string[] {
  const keys = (raw ?? '')
    .split(',')
    .map((k) => k.trim())
    .filter((k) => k.length > 0);
  keys.forEach((key, i) => {
    // Never echo the key: name its position only.
    if (key.length < MIN_API_KEY_LENGTH) {
      throw new ConfigError(`MCP_API_KEYS entry #${i + 1} is shorter than ${MIN_API_KEY_LENGTH} characters`);
    }
    if (!/^[\x21-\x7e]+$/.test(key)) {
      throw new ConfigError(`MCP_API_KEYS entry #${i + 1} must be printable ASCII without spaces`);
    }
  });
  return [...new Set(keys)];
}

const NumbersSchema = z.object({
  RATE_LIMIT_TOKEN_PER_MINUTE: positiveInt('RATE_LIMIT_TOKEN_PER_MINUTE', 10),
  RATE_LIMIT_FAILED_AUTH_PER_MINUTE: positiveInt('RATE_LIMIT_FAILED_AUTH_PER_MINUTE', 20),
  RATE_LIMIT_REGISTER_PER_MINUTE: positiveInt('RATE_LIMIT_REGISTER_PER_MINUTE', 120),
  RATE_LIMIT_MCP_PER_MINUTE: positiveInt('RATE_LIMIT_MCP_PER_MINUTE', 120),
  ACCESS_TOKEN_TTL_SECONDS: positiveInt('ACCESS_TOKEN_TTL_SECONDS', 3600, MAX_ACCESS_TOKEN_TTL_SECONDS),
  REFRESH_TOKEN_TTL_SECONDS: positiveInt('REFRESH_TOKEN_TTL_SECONDS', 30 * 24 * 3600, 90 * 24 * 3600),
  // 0 turns twins off; at most 5 minutes, well inside any access token's life.
  REFRESH_REUSE_GRACE_SECONDS: positiveInt('REFRESH_REUSE_GRACE_SECONDS', 60, MAX_REFRESH_REUSE_GRACE_SECONDS, 0),
});

/**
 * Fills missing development values in `env` itself, so that every bundle of this process
 * (middleware and route handlers are bundled apart) reads the same generated secret and key.
 * Returns the generated API key, if one was generated, so the caller can print it once.
 */
export function developmentDefaults(env: Env): { generatedApiKey: string | null } {
  if (!env.AUTH_SECRET?.trim()) env.AUTH_SECRET = randomHex(32);
  let generatedApiKey: string | null = null;
  if (!env.MCP_API_KEYS?.trim() && !env.MCP_API_KEY_HASHES?.trim()) {
    generatedApiKey = `dev_${randomHex(24)}`;
    env.MCP_API_KEYS = generatedApiKey;
  }
  return { generatedApiKey };
}

/** Parses and validates the whole configuration. Throws `ConfigError` naming the first bad setting. */
export function loadConfig(env: Env): Config {
  const mode: Config['mode'] = env.NODE_ENV === 'production' ? 'production' : 'development';
  if (mode === 'development') developmentDefaults(env);

  const publicUrl = resolvePublicUrl(env, mode);

  if (!env.AUTH_SECRET?.trim()) throw new ConfigError(`AUTH_SECRET is required: at least ${MIN_SECRET_BYTES} random bytes, hex or base64`);
  const authSecret = decodeSecret('AUTH_SECRET', env.AUTH_SECRET);
  const authSecretPrevious = env.AUTH_SECRET_PREVIOUS?.trim() ? decodeSecret('AUTH_SECRET_PREVIOUS', env.AUTH_SECRET_PREVIOUS) : null;

  const keys = parseKeySettings(env);
  const upstream = parseUpstream(env, keys);

  const redisUrl = (env.UPSTASH_REDIS_REST_URL ?? env.KV_REST_API_URL)?.trim();
  const redisToken = (env.UPSTASH_REDIS_REST_TOKEN ?? env.KV_REST_API_TOKEN)?.trim();
  if (Boolean(redisUrl) !== Boolean(redisToken)) {
    throw new ConfigError('UPSTASH_REDIS_REST_URL and UPSTASH_REDIS_REST_TOKEN must be set together');
  }
  if (redisUrl) {
    let parsed: URL | null = null;
    try {
      parsed = new URL(redisUrl);
    } catch {
      // reported below
    }
    // The REST URL (https://…upstash.io), not a redis:// connection string.
    if (!parsed || (parsed.protocol !== 'https:' && parsed.protocol !== 'http:')) {
      throw new ConfigError('UPSTASH_REDIS_REST_URL must be the https REST URL of the database (not a redis:// URL)');
    }
  }

  // Vercel's edge sets the client IP headers itself; elsewhere only an operator's own proxy can.
  const trustRaw = env.TRUST_PROXY_HEADERS?.trim().toLowerCase();
  let trustProxyHeaders = Boolean(env.VERCEL);
  if (trustRaw) {
    if (trustRaw !== '1' && trustRaw !== 'true' && trustRaw !== '0' && trustRaw !== 'false') {
      throw new ConfigError('TRUST_PROXY_HEADERS must be 1, true, 0 or false');
    }
    trustProxyHeaders = trustRaw === '1' || trustRaw === 'true';
  }

  const oauthClientId = env.OAUTH_CLIENT_ID?.trim() || 'mcp';
  if (!/^[\x21-\x7e]{1,64}$/.test(oauthClientId)) throw new ConfigError('OAUTH_CLIENT_ID must be 1 to 64 printable ASCII characters');

  // Added to the built-in known clients, never replacing them (lib/oauth/knownClients.ts).
  const redirectHosts = (env.OAUTH_REDIRECT_HOSTS ?? '')
    .split(',')
    .map((h) => h.trim().toLowerCase())
    .filter(Boolean);
  for (const host of redirectHosts) {
    if (!/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/.test(host)) {
      throw new ConfigError('OAUTH_REDIRECT_HOSTS must be a comma-separated list of DNS host names');
    }
  }
  const redirectUris = (env.OAUTH_REDIRECT_URIS ?? '')
    .split(',')
    .map((u) => u.trim())
    .filter(Boolean);
  redirectUris.forEach((uri, i) => {
    // RFC 8252 §7.1 private-use schemes are fine; what a browser runs itself, http off loopback,
    // fragments, userinfo and wildcards are not (lib/oauth/redirectUri.ts).
    if (parseSafeRedirectUri(uri) === null) {
      throw new ConfigError(`OAUTH_REDIRECT_URIS entry #${i + 1} is not an acceptable redirect URI (no fragment, userinfo, wildcard, javascript:/data:/file:, or http off loopback)`);
    }
  });

  const privateRaw = env.CIMD_ALLOW_PRIVATE_HOSTS?.trim().toLowerCase();
  if (privateRaw && !['1', 'true', '0', 'false'].includes(privateRaw)) throw new ConfigError('CIMD_ALLOW_PRIVATE_HOSTS must be 1, true, 0 or false');
  const dangerouslyAllowPrivateCimdHosts = privateRaw === '1' || privateRaw === 'true';

  if (parseLogFormat(env.LOG_FORMAT) === null) throw new ConfigError('LOG_FORMAT must be json or pretty');
  const logFormat = logFormatOf({ NODE_ENV: mode, LOG_FORMAT: env.LOG_FORMAT });

  const numbers = NumbersSchema.safeParse(env);
  if (!numbers.success) throw new ConfigError(numbers.error.issues[0]?.message ?? 'invalid numeric setting');
  const n = numbers.data;

  return {
    mode,
    publicUrl,
    issuer: publicUrl,
    publicHost: new URL(publicUrl).host,
    publicUrlIsLoopback: isLoopbackHost(new URL(publicUrl).hostname),
    resource: `${publicUrl}/mcp`,
    resourceMetadataUrl: `${publicUrl}/.well-known/oauth-protected-resource/mcp`,
    authSecret,
    authSecretPrevious,
    keys,
    upstream,
    redis: redisUrl && redisToken ? { url: redisUrl, token: redisToken } : null,
    oauthClientId,
    redirectHosts,
    redirectUris: [...new Set(redirectUris)],
    dangerouslyAllowPrivateCimdHosts,
    accessTokenTtlSeconds: n.ACCESS_TOKEN_TTL_SECONDS,
    refreshTokenTtlSeconds: n.REFRESH_TOKEN_TTL_SECONDS,
    refreshReuseGraceSeconds: n.REFRESH_REUSE_GRACE_SECONDS,
    limits: {
      tokenPerMinute: n.RATE_LIMIT_TOKEN_PER_MINUTE,
      failedAuthPerMinute: n.RATE_LIMIT_FAILED_AUTH_PER_MINUTE,
      registrationPerMinute: n.RATE_LIMIT_REGISTER_PER_MINUTE,
      mcpPerMinute: n.RATE_LIMIT_MCP_PER_MINUTE,
    },
    trustProxyHeaders,
    version: packageJson.version,
    logFormat,
  };
}

let cached: Config | null = null;

/** The process's configuration, parsed on first use. */
export function getConfig(): Config {
  cached ??= loadConfig(process.env);
  return cached;
}
