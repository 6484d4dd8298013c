/** Finds secrets in captured server output: API keys, secrets, and anything shaped like a token. */

export type Leak = { readonly what: string; readonly line: number; readonly excerpt: string };

const JWT = /eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{20,}/;
/** 32-byte values in base64url: derived client secrets, PKCE verifiers, raw random secrets. */
const BASE64URL_32 = /(?<![A-Za-z0-9_-])[A-Za-z0-9_-]{43}(?![A-Za-z0-9_-])/;

export function findLeaks(output: string, secrets: Record<string, string>): Leak[] {
  const leaks: Leak[] = [];
  output.split('\n').forEach((text, i) => {
    const excerpt = text.slice(0, 120);
    for (const [what, secret] of Object.entries(secrets)) {
      if (secret && text.includes(secret)) leaks.push({ what, line: i + 1, excerpt: excerpt.replace(secret, '<redacted>') });
    }
    if (JWT.test(text)) leaks.push({ what: 'a JWT (access, refresh, code, client id or consent token)', line: i + 1, excerpt: '<token>' });
    else if (BASE64URL_32.test(text)) leaks.push({ what: 'a 32-byte base64url value (client secret or code verifier)', line: i + 1, excerpt: '<value>' });
  });
  return leaks;
}
