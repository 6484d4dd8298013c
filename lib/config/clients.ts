/**
 * Which OAuth clients may use this server beyond the built-in known ones: the pre-registered
 * client id, extra redirect hosts and URIs (the redirect policy of `lib/oauth/redirectUri.ts`),
 * and where Client ID Metadata Documents may be fetched from.
 */
import { parseSafeRedirectUri } from '../url/safeRedirectUri';
import { ConfigError, flagSetting, listSetting, parseOrRefuse, trimmed, type Env } from './settings';

export type ClientSettings = {
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
};

const DNS_HOST = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

export function clientSettings(env: Env): ClientSettings {
  const oauthClientId = trimmed(env.OAUTH_CLIENT_ID) ?? 'mcp';
  if (!/^[\x21-\x7e]{1,64}$/.test(oauthClientId))
    throw new ConfigError('OAUTH_CLIENT_ID must be 1 to 64 printable ASCII characters');

  // Added to the built-in known clients, never replacing them (lib/oauth/knownClients.ts).
  const redirectHosts = listSetting()
    .parse(env.OAUTH_REDIRECT_HOSTS)
    .map((host) => host.toLowerCase());
  if (!redirectHosts.every((host) => DNS_HOST.test(host))) {
    throw new ConfigError('OAUTH_REDIRECT_HOSTS must be a comma-separated list of DNS host names');
  }
  const redirectUris = listSetting().parse(env.OAUTH_REDIRECT_URIS);
  redirectUris.forEach((uri, i) => {
    // RFC 8252 §7.1 private-use schemes are fine; what a browser runs itself, http off loopback,
    // fragments, userinfo and wildcards are not (lib/url/safeRedirectUri.ts).
    if (parseSafeRedirectUri(uri) === null) {
      throw new ConfigError(
        `OAUTH_REDIRECT_URIS entry #${i + 1} is not an acceptable redirect URI (no fragment, userinfo, wildcard, javascript:/data:/file:, or http off loopback)`,
      );
    }
  });
  const allowPrivate = parseOrRefuse(
    flagSetting('CIMD_ALLOW_PRIVATE_HOSTS'),
    env.CIMD_ALLOW_PRIVATE_HOSTS,
    'CIMD_ALLOW_PRIVATE_HOSTS is invalid',
  );
  return {
    oauthClientId,
    redirectHosts,
    redirectUris: [...new Set(redirectUris)],
    dangerouslyAllowPrivateCimdHosts: allowPrivate ?? false,
  };
}
