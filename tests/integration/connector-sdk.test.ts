/**
 * The official MCP clients (SDK v2 and the v1 SDK that mcp-remote still uses) complete the whole
 * connector flow as claude.ai does, with the consent form submitted over plain HTTP.
 * (The same flows through Chromium are in tests/e2e/consent-sdk.spec.ts.)
 */
import { describe, expect, inject, it } from 'vitest';
import { KEY_A } from '@/kit/app';
import { fingerprintOf } from '@/lib/keys';
import { CLAUDE_CALLBACK, openConsent, submitConsent } from '../support/oauth';
import { runConnectorFlow, type FlowReport } from '../support/sdkFlow';
import { sdkV1, sdkV2 } from '../support/sdkClients';

const base = () => inject('appUrl');

async function consentOverHttp(authorizationUrl: URL): Promise<URL> {
  const { request } = await openConsent(authorizationUrl.toString());
  const res = await submitConsent(base(), { request, api_key: KEY_A, action: 'authorize' });
  expect(res.status).toBe(303);
  return new URL(res.headers.get('location')!);
}

async function expectCompleteFlow(report: FlowReport) {
  const { provider, callback } = report;
  // Registration: the exact claude.ai payload, answered with a secret (client_secret_post).
  expect(provider.clientInfo?.client_secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
  // Authorization request as the SDK built it: PKCE S256, resource, state.
  const asked = provider.authorizationUrl!;
  expect(asked.origin + asked.pathname).toBe(`${base()}/oauth/authorize`);
  expect(asked.searchParams.get('code_challenge_method')).toBe('S256');
  expect(asked.searchParams.get('resource')).toMatch(new RegExp(`^${base()}/mcp/?$`));
  expect(`${callback.origin}${callback.pathname}`).toBe(CLAUDE_CALLBACK);
  expect(callback.searchParams.get('iss')).toBe(base());
  expect(report.tools).toContain('whoami');
  expect(report.whoami).toMatchObject({
    fingerprint: await fingerprintOf(KEY_A),
    client_id: provider.clientInfo!.client_id,
    authenticated_by: 'oauth_bearer',
  });
  // The refresh on 401 rotated both tokens.
  expect(provider.tokenHistory).toHaveLength(2);
  expect(provider.tokenHistory[1]!.refresh_token).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
  expect(provider.tokenHistory[1]!.refresh_token).not.toBe(provider.tokenHistory[0]!.refresh_token);
  expect(report.whoamiAfterRefresh).toMatchObject({ fingerprint: await fingerprintOf(KEY_A) });
}

describe('official MCP clients through the connector flow', () => {
  // @req CONN-SDK-V2
  // @req CONN-ISS
  it('SDK v2 (@modelcontextprotocol/client): 401, discovery, registration, consent, finishAuth with iss, tools/list, whoami, refresh', async () => {
    await expectCompleteFlow(await runConnectorFlow(sdkV2(`${base()}/mcp`), consentOverHttp));
  });

  // @req CONN-SDK-V1
  it('SDK v1 (@modelcontextprotocol/sdk): 401, discovery, registration, consent, finishAuth, tools/list, whoami, refresh', async () => {
    await expectCompleteFlow(await runConnectorFlow(sdkV1(`${base()}/mcp`), consentOverHttp));
  });
});
