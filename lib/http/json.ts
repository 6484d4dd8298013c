/** A JSON response, never hand-assembled; error bodies go through `errors.ts`. */

/** RFC 6749 §5.1: token responses (and every answer here that names a credential) are not cached. */
export const NO_STORE_HEADERS = { 'Cache-Control': 'no-store', Pragma: 'no-cache' } as const;

/** A JSON body, never cached. */
export function jsonResponse(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'Content-Type': 'application/json', ...NO_STORE_HEADERS, ...headers },
  });
}
