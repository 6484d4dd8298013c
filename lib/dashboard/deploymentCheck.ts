/**
 * "Check this deployment": from the browser, the requests claude.ai makes when a connector is
 * added (docs/connector.md), each judged green or red with the fix in one sentence. Runs with any
 * `fetch` against any base URL, so tests can drive it without a browser. Needs no API key: the
 * last step a connector takes (the user's consent) is the one thing it does not try.
 */
import { initializeRequest } from '../protocol';

/** claude.ai's registration request, exactly (docs/connector.md: what the real clients do). */
export const CLAUDE_REGISTRATION = {
  redirect_uris: ['https://claude.ai/api/mcp/auth_callback'],
  token_endpoint_auth_method: 'client_secret_post',
  grant_types: ['authorization_code', 'refresh_token'],
  response_types: ['code'],
  client_name: 'Claude',
} as const;

/** The document the client-document step tries unless told otherwise: ChatGPT's, which signs its requests. */
export const DEFAULT_CHECK_DOCUMENT = 'https://chatgpt.com/oauth/client.json';

export type CheckResult = { readonly ok: boolean; readonly detail: string; readonly fix?: string };

export type CheckStep = { readonly id: string; readonly label: string; readonly request: string };

export const CHECK_STEPS = [
  { id: 'prm-root', label: 'Protected-resource metadata', request: 'GET /.well-known/oauth-protected-resource' },
  {
    id: 'prm-path',
    label: 'Protected-resource metadata for /mcp',
    request: 'GET /.well-known/oauth-protected-resource/mcp',
  },
  { id: 'as-metadata', label: 'Authorization-server metadata', request: 'GET /.well-known/oauth-authorization-server' },
  { id: 'issuer', label: 'Issuer matches this address and PUBLIC_URL', request: 'issuer, authorization_servers' },
  { id: 'resource', label: 'Resource is the connector URL', request: 'resource' },
  {
    id: 'cimd',
    label: 'Client ID Metadata Documents and public clients',
    request: 'client_id_metadata_document_supported, token_endpoint_auth_methods_supported',
  },
  {
    id: 'client-document',
    label: 'A client metadata document and its key set, fetched by this server',
    request: 'POST /api/check/client-document',
  },
  { id: 'registration', label: "Registration with claude.ai's request", request: 'POST /oauth/register' },
  { id: 'challenge', label: '/mcp without a token asks for one', request: 'POST /mcp' },
  { id: 'cors', label: 'CORS for browser-based clients', request: 'OPTIONS /mcp and response headers' },
  {
    id: 'key-source',
    label: 'The key source answers, and refuses a made-up key',
    request: 'POST /api/check/key-source',
  },
] as const satisfies readonly CheckStep[];

export type CheckId = (typeof CHECK_STEPS)[number]['id'];

export type CheckInput = {
  /** Where the requests go: the origin the page was opened on. */
  readonly origin: string;
  /** `PUBLIC_URL` as the server renders it (the issuer). */
  readonly publicUrl: string;
  readonly fetch: typeof fetch;
  /** The metadata document the client-document step fetches (default `DEFAULT_CHECK_DOCUMENT`). */
  readonly clientDocument?: string;
};

type Json = Record<string, unknown>;

type Fetched = { readonly response: Response | null; readonly body: Json | null; readonly failure?: string };

function isRecord(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

async function fetchJson(input: CheckInput, path: string, init?: RequestInit): Promise<Fetched> {
  let response: Response;
  try {
    response = await input.fetch(`${input.origin}${path}`, {
      cache: 'no-store',
      credentials: 'omit',
      redirect: 'manual',
      ...init,
    });
  } catch {
    return { response: null, body: null, failure: 'no answer (network error)' };
  }
  let body: Json | null = null;
  try {
    const parsed: unknown = await response.json();
    body = isRecord(parsed) ? parsed : null;
  } catch {
    body = null;
  }
  return { response, body };
}

function listIncludes(value: unknown, item: string): boolean {
  return Array.isArray(value) && value.includes(item);
}

function statusFailure(f: Fetched, expected: number): string {
  return f.response === null ? f.failure! : `HTTP ${f.response.status} (expected ${expected})`;
}

const UPGRADE =
  'Redeploy this gateway from a version that serves the discovery documents (the routes under app/.well-known/), then check again.';

function judgePrm(f: Fetched): CheckResult {
  if (f.response?.status !== 200 || f.body === null) return { ok: false, detail: statusFailure(f, 200), fix: UPGRADE };
  if (typeof f.body.resource !== 'string' || !Array.isArray(f.body.authorization_servers)) {
    return { ok: false, detail: 'the document lacks resource or authorization_servers', fix: UPGRADE };
  }
  return { ok: true, detail: `resource ${f.body.resource}` };
}

/**
 * A step the server runs (`app/api/check/…`): its own verdict, or what kept it from giving one.
 */
async function serverStep(input: CheckInput, path: string, body: Json): Promise<CheckResult> {
  const f = await fetchJson(input, path, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  const verdict = f.body;
  if (f.response?.status === 200 && verdict !== null && typeof verdict.ok === 'boolean') {
    const detail = typeof verdict.detail === 'string' ? verdict.detail : '';
    return typeof verdict.fix === 'string' ? { ok: verdict.ok, detail, fix: verdict.fix } : { ok: verdict.ok, detail };
  }
  const description = typeof verdict?.error_description === 'string' ? `: ${verdict.error_description}` : '';
  return {
    ok: false,
    detail: `${statusFailure(f, 200)}${description}`,
    fix:
      f.response?.status === 429
        ? 'Checks from this address are rate limited; wait a minute and check again.'
        : f.response?.status === 404 || f.response?.status === 405
          ? 'Redeploy this gateway from a version that has the server-side checks (app/api/check/), then check again.'
          : f.response?.status === 400
            ? 'Correct the value above and check again.'
            : 'Check the server log for this request (docs/observability.md).',
  };
}

/** Runs every step in order, reporting each result as it arrives. */
export async function checkDeployment(
  input: CheckInput,
  onResult: (id: CheckId, result: CheckResult) => void,
): Promise<Record<CheckId, CheckResult>> {
  const results = {} as Record<CheckId, CheckResult>;
  const report = (id: CheckId, result: CheckResult) => {
    results[id] = result;
    onResult(id, result);
  };
  const connectorUrl = `${input.publicUrl}/mcp`;
  const openedAt = input.origin;

  const prmRoot = await fetchJson(input, '/.well-known/oauth-protected-resource');
  report('prm-root', judgePrm(prmRoot));
  const prmPath = await fetchJson(input, '/.well-known/oauth-protected-resource/mcp');
  report('prm-path', judgePrm(prmPath));

  const as = await fetchJson(input, '/.well-known/oauth-authorization-server');
  const asBody = as.response?.status === 200 ? as.body : null;
  if (asBody === null) report('as-metadata', { ok: false, detail: statusFailure(as, 200), fix: UPGRADE });
  else {
    const missing = ['issuer', 'authorization_endpoint', 'token_endpoint', 'registration_endpoint'].filter(
      (k) => typeof asBody[k] !== 'string',
    );
    if (missing.length > 0) report('as-metadata', { ok: false, detail: `missing ${missing.join(', ')}`, fix: UPGRADE });
    else if (!listIncludes(asBody.code_challenge_methods_supported, 'S256'))
      report('as-metadata', { ok: false, detail: 'S256 PKCE not listed', fix: UPGRADE });
    else report('as-metadata', { ok: true, detail: `issuer ${String(asBody.issuer)}` });
  }

  // Issuer: claude.ai compares it with the URL it fetched (RFC 8414 §3.3), and PUBLIC_URL builds it.
  const issuer = typeof asBody?.issuer === 'string' ? asBody.issuer : null;
  const servers = prmPath.body?.authorization_servers;
  if (issuer === null) report('issuer', { ok: false, detail: 'no issuer to compare', fix: UPGRADE });
  else if (issuer !== openedAt || issuer !== input.publicUrl) {
    report('issuer', {
      ok: false,
      detail: `issuer ${issuer}, PUBLIC_URL ${input.publicUrl}, page opened at ${openedAt}`,
      fix: `Set PUBLIC_URL to the exact origin clients use (${openedAt} if that is the public address) and redeploy, or open this page at ${issuer}.`,
    });
  } else if (!listIncludes(servers, issuer)) {
    report('issuer', { ok: false, detail: 'authorization_servers does not list the issuer', fix: UPGRADE });
  } else report('issuer', { ok: true, detail: issuer });

  // Resource: RFC 9728 §3.3, the document must name the URL the connector was added with.
  const resource = prmPath.body?.resource;
  if (typeof resource !== 'string')
    report('resource', { ok: false, detail: 'no resource in the metadata', fix: UPGRADE });
  else if (resource !== connectorUrl || resource !== `${openedAt}/mcp`) {
    report('resource', {
      ok: false,
      detail: `resource ${resource}, connector URL ${connectorUrl}`,
      fix: `Add the connector with ${resource}, or set PUBLIC_URL so that PUBLIC_URL/mcp is the URL you add (${openedAt}/mcp from here).`,
    });
  } else report('resource', { ok: true, detail: resource });

  // CIMD: claude.ai and Claude Code use a metadata document only when both flags are there;
  // otherwise they register (DCR) on every connection, which works too.
  if (asBody === null) report('cimd', { ok: false, detail: 'no metadata to read', fix: UPGRADE });
  else {
    const cimd = asBody.client_id_metadata_document_supported === true;
    const none = listIncludes(asBody.token_endpoint_auth_methods_supported, 'none');
    if (cimd && none)
      report('cimd', { ok: true, detail: 'client_id_metadata_document_supported and auth method none listed' });
    else {
      report('cimd', {
        ok: false,
        detail: [
          cimd ? null : 'client_id_metadata_document_supported is not true',
          none ? null : '"none" is not among token_endpoint_auth_methods_supported',
        ]
          .filter(Boolean)
          .join('; '),
        fix: 'Upgrade to a gateway version that supports Client ID Metadata Documents; until then claude.ai and Claude Code fall back to registration, which the next step checks.',
      });
    }
  }

  // The same fetch and validation the token endpoint will do, run by the server (a browser cannot
  // reach what the server reaches, nor does it apply the same SSRF guards).
  if (asBody?.client_id_metadata_document_supported !== true)
    report('client-document', {
      ok: false,
      detail: 'this deployment does not take Client ID Metadata Documents',
      fix: 'Upgrade to a gateway version that supports them: ChatGPT connects only by its document.',
    });
  else
    report(
      'client-document',
      await serverStep(input, '/api/check/client-document', {
        client_id: input.clientDocument ?? DEFAULT_CHECK_DOCUMENT,
      }),
    );

  const registration = await fetchJson(input, '/oauth/register', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(CLAUDE_REGISTRATION),
  });
  const reg = registration.body;
  if (registration.response?.status !== 201 || reg === null) {
    const error = typeof reg?.error === 'string' ? ` ${reg.error}` : '';
    report('registration', {
      ok: false,
      detail: `${statusFailure(registration, 201)}${error}`,
      fix:
        reg?.error === 'invalid_redirect_uri'
          ? 'Add claude.ai to OAUTH_REDIRECT_HOSTS (it is there by default) and redeploy.'
          : registration.response?.status === 429
            ? 'Registrations from this address are rate limited; wait a minute or raise RATE_LIMIT_REGISTER_PER_MINUTE.'
            : registration.response?.status === 503
              ? 'Redis is unreachable: check UPSTASH_REDIS_REST_URL and UPSTASH_REDIS_REST_TOKEN.'
              : 'Check the server log for the register event of this request (docs/observability.md).',
    });
  } else if (
    reg.token_endpoint_auth_method !== 'client_secret_post' ||
    typeof reg.client_secret !== 'string' ||
    !listIncludes(reg.redirect_uris, CLAUDE_REGISTRATION.redirect_uris[0])
  ) {
    report('registration', {
      ok: false,
      detail: 'the registration does not echo client_secret_post, a client_secret and the callback',
      fix: UPGRADE,
    });
  } else report('registration', { ok: true, detail: '201 with client_secret_post and a client secret' });

  // The first request of every connection: 401 and where to find the metadata (RFC 9728 §5.1).
  const expectedMetadata = `${input.publicUrl}/.well-known/oauth-protected-resource/mcp`;
  let challenge: Response | null = null;
  try {
    challenge = await input.fetch(`${openedAt}/mcp`, {
      method: 'POST',
      cache: 'no-store',
      credentials: 'omit',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream' },
      body: JSON.stringify(initializeRequest('deployment-check')),
    });
  } catch {
    challenge = null;
  }
  const wwwAuthenticate = challenge?.headers.get('www-authenticate') ?? '';
  const metadataParam = /resource_metadata="([^"]*)"/.exec(wwwAuthenticate)?.[1];
  if (challenge === null)
    report('challenge', {
      ok: false,
      detail: 'no answer (network error)',
      fix: 'Check that the deployment is up and /mcp is routed to this app.',
    });
  else if (challenge.status === 403) {
    report('challenge', {
      ok: false,
      detail: 'HTTP 403: this Host is refused (DNS-rebinding guard for a loopback PUBLIC_URL)',
      fix: `Open this page at ${input.publicUrl}, the address PUBLIC_URL names.`,
    });
  } else if (challenge.status !== 401) {
    report('challenge', {
      ok: false,
      detail: `HTTP ${challenge.status} (expected 401)`,
      fix: 'Something in front of the app answers /mcp (a firewall or protection layer): let /mcp through unauthenticated.',
    });
  } else if (metadataParam === undefined) {
    report('challenge', {
      ok: false,
      detail: '401 without resource_metadata in WWW-Authenticate',
      fix: 'A proxy rewrites WWW-Authenticate: let it through unchanged.',
    });
  } else if (metadataParam !== expectedMetadata) {
    report('challenge', {
      ok: false,
      detail: `resource_metadata is ${metadataParam}`,
      fix: `Set PUBLIC_URL so that resource_metadata is ${openedAt}/.well-known/oauth-protected-resource/mcp.`,
    });
  } else report('challenge', { ok: true, detail: `401, resource_metadata="${metadataParam}"` });

  // A browser-based client reads these cross-origin; the page itself is same-origin, so it checks
  // the headers rather than relying on its own fetches succeeding.
  const problems: string[] = [];
  let preflight: Response | null = null;
  try {
    preflight = await input.fetch(`${openedAt}/mcp`, { method: 'OPTIONS', cache: 'no-store', credentials: 'omit' });
  } catch {
    preflight = null;
  }
  const allowOrigin = (r: Response | null) => r?.headers.get('access-control-allow-origin');
  if (preflight === null || preflight.status >= 300)
    problems.push(`OPTIONS /mcp answered ${preflight ? `HTTP ${preflight.status}` : 'nothing'}`);
  else {
    if (allowOrigin(preflight) !== '*') problems.push('OPTIONS /mcp lacks Access-Control-Allow-Origin: *');
    const methods = (preflight.headers.get('access-control-allow-methods') ?? '').toUpperCase();
    if (!methods.includes('POST')) problems.push('OPTIONS /mcp does not allow POST');
    const headers = (preflight.headers.get('access-control-allow-headers') ?? '').toLowerCase();
    for (const h of ['authorization', 'content-type', 'mcp-protocol-version'])
      if (!headers.includes(h)) problems.push(`OPTIONS /mcp does not allow the ${h} header`);
  }
  if (challenge !== null && challenge.status === 401) {
    if (allowOrigin(challenge) !== '*') problems.push('the 401 from /mcp lacks Access-Control-Allow-Origin');
    if (!(challenge.headers.get('access-control-expose-headers') ?? '').toLowerCase().includes('www-authenticate'))
      problems.push('the 401 does not expose WWW-Authenticate');
  }
  for (const [name, f] of [
    ['protected-resource metadata', prmPath],
    ['authorization-server metadata', as],
    ['registration', registration],
  ] as const) {
    if (f.response !== null && allowOrigin(f.response) !== '*')
      problems.push(`the ${name} lacks Access-Control-Allow-Origin`);
  }
  if (problems.length > 0) {
    report('cors', {
      ok: false,
      detail: problems.join('; '),
      fix: 'A proxy or the hosting platform strips CORS headers: let the app’s own Access-Control-* headers through.',
    });
  } else
    report('cors', {
      ok: true,
      detail: 'Access-Control-Allow-Origin * on discovery, registration and /mcp; WWW-Authenticate exposed',
    });

  report('key-source', await serverStep(input, '/api/check/key-source', {}));

  return results;
}
