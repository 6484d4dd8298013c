import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { describe, expect, inject, it } from 'vitest';
import { KEY_A } from '@/kit/app';
import { clientCredentialsToken } from '@/kit/http';
import { fingerprintOf } from '@/lib/keys';

type Mode = 'initialize (2025-11-25)' | 'server/discover (2026-07-28)';

async function connect(mode: Mode, headers: Record<string, string>) {
  const client = new Client(
    { name: 'integration-test', version: '1.0.0' },
    mode === 'server/discover (2026-07-28)' ? { versionNegotiation: { mode: { pin: '2026-07-28' } } } : {},
  );
  const transport = new StreamableHTTPClientTransport(new URL(`${inject('appUrl')}/mcp`), { requestInit: { headers } });
  await client.connect(transport);
  return client;
}

describe('the official MCP client', () => {
  // @req MCP-CLIENT-ERAS
  it.each<Mode>(['initialize (2025-11-25)', 'server/discover (2026-07-28)'])(
    'lists tools and calls whoami with a bearer token over %s',
    async (mode) => {
      const token = await clientCredentialsToken(inject('appUrl'), KEY_A);
      const client = await connect(mode, { Authorization: `Bearer ${token}` });
      try {
        expect(client.getNegotiatedProtocolVersion()).toBe(mode.includes('2026') ? '2026-07-28' : '2025-11-25');
        const { tools } = await client.listTools();
        expect(tools.map((t) => t.name)).toContain('whoami');
        const result = await client.callTool({ name: 'whoami', arguments: {} });
        expect(result.isError).toBeFalsy();
        expect(result.structuredContent).toMatchObject({
          fingerprint: await fingerprintOf(KEY_A),
          client_id: 'mcp',
          authenticated_by: 'oauth_bearer',
        });
      } finally {
        await client.close();
      }
    },
  );

  it('connects with X-API-Key over both protocol eras', async () => {
    for (const mode of ['initialize (2025-11-25)', 'server/discover (2026-07-28)'] as const) {
      const client = await connect(mode, { 'X-API-Key': KEY_A });
      const result = await client.callTool({ name: 'whoami', arguments: {} });
      expect(result.structuredContent).toMatchObject({ authenticated_by: 'api_key' });
      await client.close();
    }
  });

  it('fails to connect without credentials', async () => {
    await expect(connect('initialize (2025-11-25)', {})).rejects.toThrow();
  });
});
