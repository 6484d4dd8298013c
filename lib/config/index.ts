/**
 * The one place the environment is read. Each domain's settings and rules live in their own file
 * here (public URL, secrets, API keys, the upstream, OAuth clients, limits and lifetimes, network),
 * built from the shared parsers of `settings.ts`; `loadConfig` composes them in a fixed order, so
 * the first bad setting is the one reported.
 *
 * `loadConfig` reads only the env record it is given, so tests can build any configuration; in
 * development it first fills missing values into that record (`developmentDefaults`), so it is
 * not pure there. `getConfig` reads `process.env` once per process. Production refuses an unsafe
 * configuration with a `ConfigError` whose message is one line naming the setting.
 */
import packageJson from '../../package.json';
import { randomHex } from '../crypto/random';
import { logFormatOf, parseLogFormat, type LogFormat } from '../observability/logFormat';
import { clientSettings, type ClientSettings } from './clients';
import { developmentKey, keySettings, type KeySettings } from './apiKeys';
import { lifetimeSettings, rateLimits, type LifetimeSettings, type RateLimits } from './limits';
import { redisSettings, trustsProxyHeaders, type RedisSettings } from './network';
import { publicUrlSettings, type Mode, type PublicUrlSettings } from './publicUrl';
import { secretSettings, type SecretSettings } from './secrets';
import { ConfigError, trimmed, type Env } from './settings';
import { upstreamSettings, type UpstreamSettings } from './upstream';
import { accessSettings, type AccessSettings } from './access';

export { ConfigError } from './settings';
export type { KeySettings } from './apiKeys';
export type { RateLimits } from './limits';
export type { UpstreamSettings } from './upstream';

export type Config = PublicUrlSettings &
  SecretSettings &
  ClientSettings &
  LifetimeSettings &
  AccessSettings & {
    readonly mode: Mode;
    /** Where API keys come from: the keys, their digests, a key service, or the upstream's judgement. */
    readonly keys: KeySettings;
    /** When set, `/mcp` forwards to this MCP server instead of serving the in-process tools. */
    readonly upstream: UpstreamSettings | null;
    /**
     * Tokens that grant `/mcp` carry the user's key sealed (`lib/tokens/seal.ts`): an upstream
     * needs it, and the key source cannot hand it back (every source but the key list).
     */
    readonly sealsKeys: boolean;
    readonly redis: RedisSettings | null;
    readonly limits: RateLimits;
    /** See `trustsProxyHeaders` (`network.ts`) and `lib/http/clientIp.ts`. */
    readonly trustProxyHeaders: boolean;
    readonly version: string;
    /** `LOG_FORMAT`: JSON lines (production default, what log drains read) or one readable line per event. */
    readonly logFormat: LogFormat;
  };

/**
 * Fills missing development values in `env` itself, so that every bundle of this process
 * (middleware and route handlers are bundled apart) reads the same generated secret and key.
 * Returns the generated API key, if one was generated, so the caller can print it once.
 */
export function developmentDefaults(env: Env): { generatedApiKey: string | null } {
  if (!trimmed(env.AUTH_SECRET)) env.AUTH_SECRET = randomHex(32);
  const generatedApiKey = developmentKey(env);
  if (generatedApiKey !== null) env.MCP_API_KEYS = generatedApiKey;
  return { generatedApiKey };
}

/** Parses and validates the whole configuration. Throws `ConfigError` naming the first bad setting. */
export function loadConfig(env: Env): Config {
  const mode: Mode = env.NODE_ENV === 'production' ? 'production' : 'development';
  if (mode === 'development') developmentDefaults(env);

  const publicUrl = publicUrlSettings(env, mode);
  const secrets = secretSettings(env);
  const keys = keySettings(env);
  const upstream = upstreamSettings(env);
  const redis = redisSettings(env);
  const trustProxyHeaders = trustsProxyHeaders(env);
  const clients = clientSettings(env);
  if (parseLogFormat(env.LOG_FORMAT) === null) throw new ConfigError('LOG_FORMAT must be json or pretty');
  const logFormat = logFormatOf({ NODE_ENV: mode, LOG_FORMAT: env.LOG_FORMAT });
  const limits = rateLimits(env);
  const lifetimes = lifetimeSettings(env);
  const access = accessSettings(env);

  return {
    mode,
    ...publicUrl,
    ...secrets,
    keys,
    upstream,
    sealsKeys: upstream !== null && keys.kind !== 'list',
    redis,
    ...clients,
    ...lifetimes,
    ...access,
    limits,
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
