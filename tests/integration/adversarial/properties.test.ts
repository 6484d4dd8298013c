/** Property tests over HTTP: whatever a client sends, the answer is a 2xx or a spec-shaped 4xx. */
import fc from 'fast-check';
import { describe, expect, inject, it } from 'vitest';
import { KEY_A } from '@/kit/app';

const field = fc.constantFrom(
  'grant_type',
  'client_id',
  'client_secret',
  'scope',
  'code',
  'code_verifier',
  'redirect_uri',
  'refresh_token',
  'resource',
  'x',
);
const value = fc.oneof(
  fc.constantFrom(
    'client_credentials',
    'authorization_code',
    'refresh_token',
    'mcp',
    'mcp offline_access',
    KEY_A,
    '',
    'eyJ.eyJ.sig',
    '\u0000',
    '%',
    '+',
  ),
  fc.string({ maxLength: 64 }),
  fc.string({ unit: 'binary', maxLength: 32 }),
);

describe('POST /oauth/token under arbitrary form bodies', () => {
  // @req ADV-PROPERTY-TOKEN
  it('answers 2xx or an RFC 6749 JSON 4xx, never a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(field, value), { maxLength: 8 }), fc.boolean(), async (pairs, basic) => {
        const body = pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');
        const headers: Record<string, string> = { 'Content-Type': 'application/x-www-form-urlencoded' };
        if (basic) headers.Authorization = `Basic ${Buffer.from(`mcp:${pairs[0]?.[1] ?? ''}`).toString('base64')}`;
        const res = await fetch(`${inject('appUrl')}/oauth/token`, { method: 'POST', headers, body });
        expect(res.status).toBeLessThan(500);
        if (res.status >= 400) {
          const json = (await res.json()) as { error?: unknown };
          expect(typeof json.error).toBe('string');
        } else {
          await res.body?.cancel();
        }
      }),
      { numRuns: 150 },
    );
  });

  it('answers raw byte bodies of any content type without a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 256 }),
        fc.constantFrom('application/x-www-form-urlencoded', 'application/json', 'text/plain', ''),
        async (bytes, type) => {
          const res = await fetch(`${inject('appUrl')}/oauth/token`, {
            method: 'POST',
            headers: type ? { 'Content-Type': type } : {},
            body: bytes,
          });
          expect(res.status).toBeGreaterThanOrEqual(400);
          expect(res.status).toBeLessThan(500);
          await res.body?.cancel();
        },
      ),
      { numRuns: 100 },
    );
  });
});

describe('POST /mcp under arbitrary JSON bodies', () => {
  it('answers without a 5xx for any JSON an authenticated client sends', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.json({ maxDepth: 4 }),
          fc.constantFrom(
            '{"jsonrpc":"2.0"}',
            '[]',
            '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"whoami","arguments":[]}}',
          ),
        ),
        async (json) => {
          const res = await fetch(`${inject('appUrl')}/mcp`, {
            method: 'POST',
            headers: {
              'X-API-Key': KEY_A,
              'Content-Type': 'application/json',
              Accept: 'application/json, text/event-stream',
            },
            body: json,
          });
          expect(res.status).toBeLessThan(500);
          await res.body?.cancel();
        },
      ),
      { numRuns: 100 },
    );
  });
});
