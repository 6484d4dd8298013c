/**
 * Property tests of the redirect-URI policy: whatever the registered URI and whatever the presented
 * one (random, or the registered one mutated the ways an attacker would), a match never sends the
 * browser to another origin than the registered one, except for the port of a loopback URI.
 * Origins are read with the WHATWG URL parser, as a browser would.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LOOPBACK_HOSTS } from '@/lib/url/loopback';
import { classifyRedirectUri, redirectUriMatches } from '@/lib/oauth/redirectUri';

const config = { redirectHosts: ['claude.ai', 'claude.com'], redirectUris: [] as string[] };

const path = fc.oneof(fc.constant('/api/mcp/auth_callback'), fc.constant('/callback'), fc.constant(''), fc.webPath());
const query = fc.oneof(
  fc.constant(''),
  fc.webQueryParameters().map((q) => (q ? `?${q}` : '')),
);
const httpsUri = fc
  .tuple(fc.constantFrom(...config.redirectHosts), path, query)
  .map(([host, p, q]) => `https://${host}${p}${q}`);
const loopbackUri = fc
  .tuple(
    fc.constantFrom(...LOOPBACK_HOSTS),
    fc.option(fc.integer({ min: 1, max: 65535 }), { nil: undefined }),
    path,
    query,
  )
  .map(([host, port, p, q]) => `http://${host}${port === undefined ? '' : `:${port}`}${p}${q}`);
const registered = fc.oneof(httpsUri, loopbackUri).filter((uri) => classifyRedirectUri(uri, config) !== null);

/** Characters that change how a URL parses, and look-alikes of the ones in our hosts. */
const tricky = fc.constantFrom(
  '@',
  '.',
  ':',
  '/',
  '\\',
  '#',
  '%',
  '%2e',
  '%40',
  '?',
  '[',
  ']',
  ' ',
  '\t',
  '0',
  'a',
  'A',
  'x',
  '\u0430',
  '\u03b1',
  '\uff0e',
  '\u3002',
  'evil.com',
  'evil.com@',
  '.evil.com',
  'localhost',
  '127.0.0.1',
  ':8080',
  'xn--',
);

type Mutation = { op: 'insert' | 'replace' | 'delete' | 'upper' | 'prefix' | 'suffix'; at: number; text: string };
const mutation = fc.record({
  op: fc.constantFrom<Mutation['op']>('insert', 'replace', 'delete', 'upper', 'prefix', 'suffix'),
  at: fc.nat(),
  text: tricky,
});

function mutate(uri: string, { op, at, text }: Mutation): string {
  const i = uri.length === 0 ? 0 : at % uri.length;
  switch (op) {
    case 'insert':
      return uri.slice(0, i) + text + uri.slice(i);
    case 'replace':
      return uri.slice(0, i) + text + uri.slice(i + 1);
    case 'delete':
      return uri.slice(0, i) + uri.slice(i + 1);
    case 'upper':
      return uri.slice(0, i) + uri.slice(i).toUpperCase();
    case 'prefix':
      return text + uri;
    case 'suffix':
      return uri + text;
  }
}

const candidate = (base: string) =>
  fc.oneof(
    { weight: 6, arbitrary: fc.array(mutation, { minLength: 1, maxLength: 3 }).map((ms) => ms.reduce(mutate, base)) },
    { weight: 2, arbitrary: registered },
    { weight: 1, arbitrary: fc.webUrl({ withQueryParameters: true, withFragments: true }) },
    { weight: 1, arbitrary: fc.string({ maxLength: 60 }) },
  );

const pairs = registered.chain((r) => fc.tuple(fc.constant(r), candidate(r)));

/** Where a browser would go: protocol, host name and port as the WHATWG parser reads them. */
function destination(uri: string): { protocol: string; hostname: string; port: string; origin: string } {
  const url = new URL(uri);
  return { protocol: url.protocol, hostname: url.hostname, port: url.port, origin: url.origin };
}

describe('redirectUriMatches under arbitrary and mutated URIs', () => {
  // @req ADV-PROPERTY-REDIRECT
  it('never matches a URI whose origin differs from the registered one, loopback port aside', () => {
    fc.assert(
      fc.property(pairs, ([reg, presented]) => {
        if (!redirectUriMatches(reg, presented, config)) return;
        const r = destination(reg);
        const p = destination(presented);
        if (r.protocol === 'https:') {
          expect(p.origin).toBe(r.origin);
        } else {
          expect(p.protocol).toBe('http:');
          expect(p.hostname).toBe(r.hostname);
        }
      }),
      { numRuns: 3000 },
    );
  });

  // @req ADV-PROPERTY-REDIRECT
  it('matches a registered URI itself, and a loopback one on any other port', () => {
    // Port 80 written out is not http's normalized form, which the syntax rules refuse
    // (lib/url/safeRedirectUri.ts: the authority must be exactly the parsed host).
    expect(redirectUriMatches('http://localhost/cb', 'http://localhost:80/cb', config)).toBe(false);
    fc.assert(
      fc.property(
        registered,
        fc.integer({ min: 1, max: 65535 }).filter((p) => p !== 80),
        (reg, port) => {
          expect(redirectUriMatches(reg, reg, config)).toBe(true);
          if (reg.startsWith('http:')) {
            const moved = reg.replace(/^(http:\/\/(?:\[::1\]|[^/:?]+))(:\d+)?/, `$1:${port}`);
            expect(redirectUriMatches(reg, moved, config)).toBe(true);
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('classifyRedirectUri under arbitrary and mutated URIs', () => {
  // @req ADV-PROPERTY-REDIRECT
  it('accepts only https on an allowlisted host with the default port, or http on a loopback host', () => {
    fc.assert(
      fc.property(pairs, ([, presented]) => {
        const kind = classifyRedirectUri(presented, config);
        if (kind === null) return;
        const p = destination(presented);
        if (kind === 'https' || kind === 'known') {
          expect(p.protocol).toBe('https:');
          expect(config.redirectHosts).toContain(p.hostname);
          expect(p.port).toBe('');
        } else {
          expect(p.protocol).toBe('http:');
          expect(LOOPBACK_HOSTS).toContain(p.hostname);
        }
        expect(presented).not.toContain('#');
      }),
      { numRuns: 3000 },
    );
  });
});
