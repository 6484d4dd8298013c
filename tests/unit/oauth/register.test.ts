/** registerClient over real services: what a registration yields, independent of timing. */
import { describe, expect, it } from 'vitest';
import { testServices, withClock } from '../../support/services';
import { CLAUDE_REGISTRATION, REAL_PAYLOADS } from '../../support/oauth';
import { registerClient } from '@/lib/oauth/register';
import { MAX_CLIENT_ID_LENGTH } from '@/lib/oauth/clients';

describe('registerClient', () => {
  // @req ADV-REGISTRATION-UNIQUE
  it('gives two registrations of the same metadata in the same second distinct client ids and secrets', async () => {
    const services = await withClock(await testServices(), () => 1_800_000_000_000);
    const first = (await registerClient(CLAUDE_REGISTRATION, services)) as { client_id: string; client_secret: string };
    const second = (await registerClient(CLAUDE_REGISTRATION, services)) as {
      client_id: string;
      client_secret: string;
    };
    expect(second.client_id).not.toBe(first.client_id);
    expect(second.client_secret).not.toBe(first.client_secret);
    expect(await services.tokens.verifyClientSecret(first.client_id, second.client_secret)).toBe(false);
  });

  // @req ADV-REGISTRATION-UNIQUE
  it('still fits Claude Code-style loopback registrations in a 512-character client id', async () => {
    const services = await testServices();
    const client = (await registerClient(
      {
        redirect_uris: [
          'http://localhost:33418/callback',
          'http://127.0.0.1:33418/callback',
          'http://[::1]:33418/callback',
        ],
        token_endpoint_auth_method: 'none',
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        client_name: 'Claude Code',
      },
      services,
    )) as { client_id: string };
    expect(client.client_id.length).toBeLessThanOrEqual(MAX_CLIENT_ID_LENGTH);
  });
});

describe("registerClient with the real clients' payloads", () => {
  // @req CONN-REG-REAL-CLIENTS
  // @req CONN-REG-COMPACT
  it.each(Object.entries(REAL_PAYLOADS))(
    'registers %s with every URI it sends, in a client id of at most 512 characters',
    async (_name, payload) => {
      const services = await testServices();
      const registration = (await registerClient(payload, services)) as { client_id: string; redirect_uris: string[] };
      expect(registration.redirect_uris).toEqual(payload.redirect_uris);
      expect(registration.client_id.length).toBeLessThanOrEqual(MAX_CLIENT_ID_LENGTH);
      // Measured with a 23-character issuer: ChatGPT 334, Cursor 369, VS Code 381 characters; each
      // issuer character costs about 2.7 (it is both iss and aud).
      expect(registration.client_id.length).toBeLessThanOrEqual(400);
    },
  );

  // @req CONN-REG-COMPACT
  it.each(Object.entries(REAL_PAYLOADS))(
    'fits %s under the cap even behind a 60-character Vercel preview URL',
    async (_name, payload) => {
      const services = await testServices({
        PUBLIC_URL: 'https://mcp-oauth-gateway-git-feature-branch-team.vercel.app',
      });
      const registration = (await registerClient(payload, services)) as { client_id: string };
      expect(registration.client_id.length).toBeLessThanOrEqual(MAX_CLIENT_ID_LENGTH);
    },
  );
});
