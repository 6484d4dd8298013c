/** Content negotiation by `Accept` (RFC 9110 §12.5.1), for endpoints that answer people and programs. */

/** The q-value `accept` gives `type` (RFC 9110 §12.5.1), through its own range, its major type wildcard, or the full wildcard. */
function qualityOf(accept: string, type: string): number {
  const [major] = type.split('/');
  let best = { specificity: -1, q: 0 };
  for (const part of accept.split(',')) {
    const [range, ...params] = part.trim().toLowerCase().split(';');
    const specificity = range === type ? 2 : range === `${major}/*` ? 1 : range === '*/*' ? 0 : -1;
    if (specificity <= best.specificity) continue;
    const qParam = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    const q = qParam === undefined ? 1 : Number(qParam.slice(2));
    best = { specificity, q: Number.isFinite(q) ? q : 0 };
  }
  return best.q;
}

/**
 * Whether the caller prefers JSON to HTML: a program rather than a browser. At the authorization
 * endpoint that is a client checking the URL before it opens a browser (mcp-remote sends
 * `Accept: application/json` and re-registers on a JSON `invalid_client`); browsers ask for
 * `text/html` first and keep the page.
 */
export function prefersJson(request: Request): boolean {
  const accept = request.headers.get('accept');
  if (accept === null) return false;
  const json = qualityOf(accept, 'application/json');
  return json > 0 && json > qualityOf(accept, 'text/html');
}
