import { describe, expect, inject, it } from 'vitest';
import { KEY_A } from '../support/app';
import { clientCredentialsToken, INITIALIZE, postMcp, rpcMessages } from '../support/http';

describe('the shared test instance', () => {
  it('serves initialize to a client_credentials token', async () => {
    const base = inject('appUrl');
    const token = await clientCredentialsToken(base, KEY_A);
    const res = await postMcp(base, INITIALIZE, { Authorization: `Bearer ${token}` });
    expect(res.status).toBe(200);
    const [message] = await rpcMessages(res);
    expect(message).toMatchObject({ id: 1, result: { serverInfo: { name: 'mcp-oauth-gateway' } } });
  });
});
