import type { NextConfig } from 'next';
import { PHASE_DEVELOPMENT_SERVER, PHASE_PRODUCTION_SERVER } from 'next/constants';
import { ConfigError, loadConfig } from './lib/config';
import { AUTHORIZATION_PAGE_HEADERS } from './lib/oauth/pageHeaders';
import { ensureDevelopmentEnv } from './scripts/dev-env';

const nextConfig: NextConfig = {
  poweredByHeader: false,
  // Discovery and /mcp answer at their exact paths; a redirect there breaks OAuth clients.
  skipTrailingSlashRedirect: true,
  async headers() {
    // The consent page is a React page, so its security headers are set here (Next keeps its own
    // `no-store` Cache-Control on dynamic pages).
    const { 'Cache-Control': _cacheControl, Pragma: _pragma, ...pageHeaders } = AUTHORIZATION_PAGE_HEADERS;
    return [
      {
        source: '/oauth/authorize/consent',
        headers: Object.entries(pageHeaders).map(([key, value]) => ({ key, value })),
      },
    ];
  },
};

export default function config(phase: string): NextConfig {
  if (phase === PHASE_DEVELOPMENT_SERVER) ensureDevelopmentEnv(process.env);
  if (phase === PHASE_PRODUCTION_SERVER) {
    // `next start` must not serve a single request with an unsafe configuration.
    let config;
    try {
      config = loadConfig({ ...process.env });
    } catch (error) {
      // A ConfigError names the setting. Anything else is a bug in the parser: still one line,
      // without its text, which could quote a value.
      console.error(
        `Refusing to start: ${error instanceof ConfigError ? error.message : 'the configuration could not be read (unexpected error)'}`,
      );
      process.exit(1);
    }
    if (!config.trustProxyHeaders) {
      console.warn(
        'Warning: no client address can be trusted (not on Vercel, TRUST_PROXY_HEADERS unset), so per-address failed-authentication limits are off; see SECURITY.md',
      );
    }
  }
  return nextConfig;
}
