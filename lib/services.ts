/**
 * Everything a request needs that is built once per process: configuration, key source, token
 * service, limiter and single-use store. Each bundle (middleware, each route) gets its own copy,
 * built from the same configuration.
 */
import { getConfig, type Config } from './config';
import {
  createDigestKeySource,
  createKeyServiceSource,
  createListKeySource,
  createUpstreamJudgeSource,
  type KeySource,
} from './keys';
import { hkdf } from './crypto/hkdf';
import { createTokenService, type TokenService } from './tokens';
import type { RateLimiter } from './limits/decision';
import { createMemoryRateLimiter, createUpstashRateLimiter } from './limits/limiter';
import { createIdHasher, createRedisClient } from './redis';
import { createMemorySingleUseStore, createRedisSingleUseStore, type SingleUseStore } from './oauth/state/singleUse';
import {
  createMemoryRefreshFamilies,
  createRedisRefreshFamilies,
  type RefreshFamilies,
} from './oauth/state/refreshFamilies';

export type Services = {
  readonly config: Config;
  readonly keys: KeySource;
  readonly tokens: TokenService;
  readonly limiter: RateLimiter;
  readonly singleUse: SingleUseStore;
  readonly refreshFamilies: RefreshFamilies;
};

/** Upstash when configured (limits hold across instances); otherwise memory, one process only. */
async function createStores(config: Config): Promise<Pick<Services, 'limiter' | 'singleUse' | 'refreshFamilies'>> {
  if (!config.redis) {
    return {
      limiter: createMemoryRateLimiter(config.limits),
      singleUse: createMemorySingleUseStore(),
      refreshFamilies: createMemoryRefreshFamilies(),
    };
  }
  const redis = createRedisClient(config.redis);
  const hashId = await createIdHasher(config.authSecret);
  return {
    limiter: createUpstashRateLimiter({ redis, limits: config.limits, hashId }),
    singleUse: createRedisSingleUseStore({ redis, hashId }),
    refreshFamilies: createRedisRefreshFamilies({ redis, hashId }),
  };
}

/** The key source named by configuration. A new source is one file in `lib/keys/` plus one case here. */
async function createKeySource(config: Config): Promise<KeySource> {
  const settings = config.keys;
  switch (settings.kind) {
    case 'list':
      return createListKeySource(settings.apiKeys);
    case 'digests':
      return createDigestKeySource(settings.digests);
    case 'service':
      return createKeyServiceSource({
        settings,
        subjectHashKey: await hkdf(config.authSecret, 'mcp-oauth-gateway/key-service/v1', 'subject-fingerprint', 32),
      });
    case 'upstream':
      // The configuration refuses MCP_KEY_SOURCE=upstream without MCP_UPSTREAM_URL.
      if (config.upstream === null) throw new TypeError('MCP_KEY_SOURCE=upstream needs MCP_UPSTREAM_URL');
      return createUpstreamJudgeSource(config.upstream);
  }
}

export async function createServices(config: Config): Promise<Services> {
  const [keys, tokens, stores] = await Promise.all([
    createKeySource(config),
    createTokenService({
      secret: config.authSecret,
      previousSecret: config.authSecretPrevious,
      issuer: config.issuer,
      resource: config.resource,
    }),
    createStores(config),
  ]);
  return {
    config,
    keys,
    tokens,
    ...stores,
  };
}

let services: Promise<Services> | null = null;

/** The process's services, built on first use from `getConfig()`. */
export function getServices(): Promise<Services> {
  services ??= createServices(getConfig());
  return services;
}
