/** Finds secrets in captured server output: API keys, secrets, and anything shaped like a token. */

export type Leak = { readonly what: string; readonly line: number; readonly excerpt: string };

const JWT = /eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{20,}/;
/** 32-byte values in base64url: derived client secrets, PKCE verifiers, raw random secrets. */
const BASE64URL_32 = /(?<![A-Za-z0-9_-])[A-Za-z0-9_-]{43}(?![A-Za-z0-9_-])/;

function scan(text: string, line: number, secrets: Record<string, string>, leaks: Leak[]): void {
  const excerpt = text.slice(0, 120);
  for (const [what, secret] of Object.entries(secrets)) {
    if (secret && text.includes(secret)) leaks.push({ what, line, excerpt: excerpt.replace(secret, '<redacted>') });
  }
  if (JWT.test(text))
    leaks.push({ what: 'a JWT (access, refresh, code, client id or consent token)', line, excerpt: '<token>' });
  else if (BASE64URL_32.test(text))
    leaks.push({ what: 'a 32-byte base64url value (client secret or code verifier)', line, excerpt: '<value>' });
}

function stringsIn(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(stringsIn);
  if (typeof value === 'object' && value !== null)
    return Object.entries(value).flatMap(([k, v]) => [k, ...stringsIn(v)]);
  return [];
}

/**
 * Every line as written, and for a JSON line (an event) also each decoded string in it, so a
 * secret that JSON escaping would have disguised is still found.
 */
export function findLeaks(output: string, secrets: Record<string, string>): Leak[] {
  const leaks: Leak[] = [];
  output.split('\n').forEach((text, i) => {
    scan(text, i + 1, secrets, leaks);
    if (!text.startsWith('{')) return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return;
    }
    const before = leaks.length;
    for (const value of stringsIn(parsed)) if (value !== text) scan(value, i + 1, secrets, leaks);
    // One finding per line and kind is enough.
    const seen = new Set(
      leaks
        .slice(0, before)
        .filter((l) => l.line === i + 1)
        .map((l) => l.what),
    );
    const added = leaks.splice(before).filter((l) => !seen.has(l.what) && (seen.add(l.what), true));
    leaks.push(...added);
  });
  return leaks;
}
