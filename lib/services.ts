/**
 * Everything a request needs that is built once per process: configuration, keyring, token
 * service, limiter and single-use store. Each bundle (middleware, each route) gets its own copy,
 * built from the same configuration.
 */
import { getConfig, type Config } from './config';
import { createKeyring, type Keyring } from './keys';
import { createTokenService, type TokenService } from './tokens';
import { createMemoryRateLimiter, type RateLimiter } from './ratelimit';
import { createMemorySingleUseStore, type SingleUseStore } from './singleUse';

export type Services = {
  readonly config: Config;
  readonly keyring: Keyring;
  readonly tokens: TokenService;
  readonly limiter: RateLimiter;
  readonly singleUse: SingleUseStore;
};

export async function createServices(config: Config): Promise<Services> {
  const [keyring, tokens] = await Promise.all([
    createKeyring(config.apiKeys),
    createTokenService({
      secret: config.authSecret,
      previousSecret: config.authSecretPrevious,
      issuer: config.issuer,
      resource: config.resource,
    }),
  ]);
  return {
    config,
    keyring,
    tokens,
    limiter: createMemoryRateLimiter(config.limits),
    singleUse: createMemorySingleUseStore(),
  };
}

let services: Promise<Services> | null = null;

/** The process's services, built on first use from `getConfig()`. */
export function getServices(): Promise<Services> {
  services ??= createServices(getConfig());
  return services;
}
