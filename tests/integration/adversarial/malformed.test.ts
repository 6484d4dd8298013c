/** Malformed input everywhere: each answer is a spec-shaped 4xx, never a 5xx or a hang. */
import { describe, expect, inject, it } from 'vitest';
import { KEY_A } from '@/kit/app';
import { rawPost } from '@/kit/http';

const base = () => inject('appUrl');

async function tokenWith(body: BodyInit, contentType = 'application/x-www-form-urlencoded') {
  return fetch(`${base()}/oauth/token`, {
    method: 'POST',
    headers: { 'Content-Type': contentType },
    body,
    signal: AbortSignal.timeout(10_000),
  });
}

async function expectOAuth4xx(res: Response, error = 'invalid_request') {
  expect(res.status).toBeGreaterThanOrEqual(400);
  expect(res.status).toBeLessThan(500);
  expect(((await res.json()) as { error: string }).error).toBe(error);
}

describe('malformed token requests', () => {
  // @req ADV-MALFORMED
  it.each([
    ['an empty body', ''],
    ['a truncated percent escape', 'grant_type=client_credentials&client_id=mcp&client_secret=%E2%8'],
    ['a parameter without a value', 'grant_type&client_id=mcp'],
    [
      'a repeated parameter',
      `grant_type=client_credentials&client_id=mcp&client_secret=${KEY_A}&client_secret=${KEY_A}`,
    ],
    ['a NUL byte in a value', `grant_type=client_credentials&client_id=mcp%00&client_secret=${KEY_A}`],
  ])('refuses %s', async (_name, body) => {
    const res = await tokenWith(body);
    expect([400, 401]).toContain(res.status);
    const json = (await res.json()) as { error: string };
    expect(['invalid_request', 'invalid_client']).toContain(json.error);
  });

  it('refuses wrong content types and non-UTF-8', async () => {
    for (const type of [
      'application/json',
      'text/plain',
      'multipart/form-data; boundary=x',
      'application/x-www-form-urlencodedx',
    ]) {
      await expectOAuth4xx(await tokenWith(`grant_type=client_credentials&client_id=mcp&client_secret=${KEY_A}`, type));
    }
    await expectOAuth4xx(await tokenWith(new Uint8Array([0x67, 0x3d, 0xc3, 0x28])));
  });

  it('refuses an oversized body with 413 whether or not its length is declared', async () => {
    // A fresh connection each: the server answers before reading the whole body and then closes it.
    const big = `grant_type=client_credentials&pad=${'a'.repeat(200_000)}`;
    expect(
      await rawPost(`${base()}/oauth/token`, { 'Content-Type': 'application/x-www-form-urlencoded' }, big, false),
    ).toBe(413);
    expect(
      await rawPost(`${base()}/oauth/token`, { 'Content-Type': 'application/x-www-form-urlencoded' }, big, true),
    ).toBe(413);
  });

  it('answers oversized headers with a 4xx', async () => {
    const status = await rawPost(
      `${base()}/oauth/token`,
      { 'X-Padding': 'p'.repeat(64 * 1024), 'Content-Type': 'application/x-www-form-urlencoded' },
      'grant_type=client_credentials',
      false,
    );
    expect(status).toBeGreaterThanOrEqual(400);
    expect(status).toBeLessThan(500);
  });
});

describe('malformed /mcp requests', () => {
  const post = (body: BodyInit, headers: Record<string, string> = {}) =>
    fetch(`${base()}/mcp`, {
      method: 'POST',
      headers: {
        'X-API-Key': KEY_A,
        'Content-Type': 'application/json',
        Accept: 'application/json, text/event-stream',
        ...headers,
      },
      body,
      signal: AbortSignal.timeout(10_000),
    });

  it('answers broken JSON, a non-JSON content type and non-UTF-8 with a 4xx', async () => {
    const cases: Array<[BodyInit, Record<string, string>]> = [
      ['{"jsonrpc":"2.0","id":1,"method":', {}],
      ['', {}],
      ['{"jsonrpc":"2.0","id":1,"method":"ping"}', { 'Content-Type': 'text/plain' }],
      [new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]), {}],
    ];
    for (const [body, headers] of cases) {
      const res = await post(body, headers);
      await res.text();
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
    }
  });

  it('answers deeply nested JSON without a 5xx', async () => {
    const depth = 20_000;
    const nested = `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"whoami","arguments":{"a":${'['.repeat(depth)}${']'.repeat(depth)}}}}`;
    const res = await post(nested);
    expect(res.status).toBeLessThan(500);
  });
});
