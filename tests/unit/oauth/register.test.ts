/** registerClient over real services: what a registration yields, independent of timing. */
import { describe, expect, it } from 'vitest';
import { testServices, withClock } from '../../support/services';
import { CLAUDE_REGISTRATION } from '../../support/oauth';
import { registerClient } from '@/lib/oauth/register';
import { MAX_CLIENT_ID_LENGTH } from '@/lib/oauth/clients';

describe('registerClient', () => {
  // @req ADV-REGISTRATION-UNIQUE
  it('gives two registrations of the same metadata in the same second distinct client ids and secrets', async () => {
    const services = await withClock(await testServices(), () => 1_800_000_000_000);
    const first = (await registerClient(CLAUDE_REGISTRATION, services)) as { client_id: string; client_secret: string };
    const second = (await registerClient(CLAUDE_REGISTRATION, services)) as { client_id: string; client_secret: string };
    expect(second.client_id).not.toBe(first.client_id);
    expect(second.client_secret).not.toBe(first.client_secret);
    expect(await services.tokens.verifyClientSecret(first.client_id, second.client_secret)).toBe(false);
  });

  // @req ADV-REGISTRATION-UNIQUE
  it('still fits Claude Code-style loopback registrations in a 512-character client id', async () => {
    const services = await testServices();
    const client = (await registerClient(
      {
        redirect_uris: ['http://localhost:33418/callback', 'http://127.0.0.1:33418/callback', 'http://[::1]:33418/callback'],
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
