/** What the consent page says about a request, and when /oauth/authorize answers JSON. */
import { describe, expect, it } from 'vitest';
import { prefersJson } from '@/lib/http/negotiation';
import type { Client } from '@/lib/oauth/clients';
import { consentView } from '@/lib/oauth/consentView';

const registered = (name: string | undefined, redirectUris: string[]): Client => ({
  kind: 'registered',
  clientId: 'id',
  name,
  redirectUris,
  auth: { method: 'none' },
  grantTypes: ['authorization_code', 'refresh_token'],
});

describe('consentView', () => {
  // @req CONSENT-WHERE
  it('names a known client by its exact callback, never by the name it gives itself', () => {
    expect(
      consentView({
        client: registered('Evil', ['https://chatgpt.com/connector_platform_oauth_redirect']),
        redirectUri: 'https://chatgpt.com/connector_platform_oauth_redirect',
      }),
    ).toMatchObject({
      clientName: 'ChatGPT',
      known: true,
      redirectHost: 'chatgpt.com',
      localhostOnly: false,
      formActionSource: 'https://chatgpt.com',
    });
    expect(
      consentView({
        client: registered('Cursor', ['http://localhost:8787/callback']),
        redirectUri: 'http://localhost:8787/callback',
      }),
    ).toMatchObject({
      clientName: 'Cursor',
      known: false,
      redirectHost: 'localhost:8787',
      localhostOnly: true,
    });
    expect(
      consentView({ client: registered(undefined, ['http://[::1]:5/cb']), redirectUri: 'http://[::1]:5/cb' }),
    ).toMatchObject({ clientName: 'An unnamed application', localhostOnly: true });
  });

  // @req CONSENT-WHERE
  it("shows an app scheme's authority and lets the form reach that scheme", () => {
    expect(
      consentView({
        client: registered('Cursor', ['cursor://anysphere.cursor-mcp/oauth/callback']),
        redirectUri: 'cursor://anysphere.cursor-mcp/oauth/callback',
      }),
    ).toMatchObject({
      clientName: 'Cursor',
      known: true,
      redirectHost: 'cursor://anysphere.cursor-mcp',
      formActionSource: 'cursor:',
    });
  });

  // @req CONSENT-WHERE
  it("shows a CIMD client's document host, and knows Claude's documents", () => {
    const cimd = (clientId: string, name: string): Client => ({
      kind: 'cimd',
      clientId,
      name,
      redirectUris: ['http://localhost/callback'],
      auth: { method: 'none' },
      grantTypes: ['authorization_code'],
    });
    expect(
      consentView({
        client: cimd('https://claude.ai/oauth/claude-code-client-metadata', 'Whatever'),
        redirectUri: 'http://localhost:50123/callback',
      }),
    ).toMatchObject({
      clientName: 'Claude Code',
      known: true,
      clientIdHost: 'claude.ai',
      localhostOnly: true,
    });
    expect(
      consentView({
        client: cimd('https://agent.example.org/client.json', 'Agent'),
        redirectUri: 'http://localhost:50123/callback',
      }),
    ).toMatchObject({
      clientName: 'Agent',
      known: false,
      clientIdHost: 'agent.example.org',
    });
  });
});

describe('prefersJson', () => {
  const accepts = (accept?: string) =>
    prefersJson(
      new Request('https://x.example/oauth/authorize', accept === undefined ? {} : { headers: { Accept: accept } }),
    );

  // @req AUTHZ-JSON-REFUSAL
  it('is true only when application/json weighs more than text/html', () => {
    expect(accepts('application/json')).toBe(true);
    expect(accepts('application/json, text/plain;q=0.5')).toBe(true);
    expect(accepts('application/*')).toBe(true);
    expect(accepts('text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8')).toBe(false);
    expect(accepts('*/*')).toBe(false);
    expect(accepts('application/json, text/html')).toBe(false);
    expect(accepts('application/json;q=0.5, text/html')).toBe(false);
    expect(accepts('text/html;q=0.1, application/json')).toBe(true);
    expect(accepts('application/json;q=0')).toBe(false);
    expect(accepts()).toBe(false);
  });
});
