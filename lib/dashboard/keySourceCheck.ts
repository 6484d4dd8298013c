/**
 * The deployment check's "key source" step, run on the server: can the configured source answer,
 * and does it say no to a key nobody issued? A key service or an upstream that says yes to a
 * made-up key would let anyone in, which is the one misconfiguration worth a red light above all.
 * The made-up key is random per check and never logged; only its digest reaches a key service.
 */
import { randomBase64Url } from '../crypto/random';
import type { KeySource } from '../keys';

export type KeySourceVerdict = { readonly ok: boolean; readonly detail: string; readonly fix?: string };

const SOURCE_NAMES = {
  list: 'MCP_API_KEYS',
  digests: 'MCP_API_KEY_HASHES',
  service: 'the key service (MCP_KEY_SERVICE_URL)',
  upstream: 'the upstream (MCP_KEY_SOURCE=upstream)',
} as const;

const FIXES = {
  service: {
    accepted:
      'Your key service answered {"valid": true} for a digest nobody issued: it must answer {"valid": false} for digests it does not know (docs/key-service.md).',
    unavailable:
      'Check MCP_KEY_SERVICE_URL and MCP_KEY_SERVICE_TOKEN and that the service answers POST {"digest"} with 200 within MCP_KEY_SERVICE_TIMEOUT_MS (docs/key-service.md).',
    'bad answer':
      'The key service answered, but not with {"valid": true, "subject": …} or {"valid": false}: see the contract in docs/key-service.md.',
  },
  upstream: {
    accepted:
      'The upstream accepted a made-up key: it does not check keys, so MCP_KEY_SOURCE=upstream would let anyone in. Use MCP_API_KEYS, MCP_API_KEY_HASHES or a key service instead.',
    unavailable:
      'The upstream did not answer initialize with 2xx, 401 or 403: check MCP_UPSTREAM_URL and MCP_UPSTREAM_KEY_HEADER and that it is up.',
  },
} as const;

export async function checkKeySource(keys: KeySource): Promise<KeySourceVerdict> {
  const name = SOURCE_NAMES[keys.kind];
  if (keys.kind === 'list' || keys.kind === 'digests') {
    const count = keys.size ?? 0;
    return { ok: true, detail: `${count} ${count === 1 ? 'key' : 'keys'} from ${name}` };
  }
  const started = Date.now();
  const answer = await keys.identify(`check-${randomBase64Url(24)}`, { fresh: true });
  const elapsed = `${Date.now() - started} ms`;
  if (answer.outcome === 'unknown')
    return { ok: true, detail: `${name} answered in ${elapsed} and refused a made-up key, as it must` };
  if (answer.outcome === 'known')
    return { ok: false, detail: `${name} accepted a made-up key`, fix: FIXES[keys.kind].accepted };
  const why = keys.health().keyService === 'bad answer' ? 'bad answer' : 'unavailable';
  return {
    ok: false,
    detail: `${name} could not answer (${why === 'bad answer' ? 'its answer was not the contract' : 'no usable answer'} after ${elapsed})`,
    fix: keys.kind === 'service' ? FIXES.service[why] : FIXES.upstream.unavailable,
  };
}
