/** Reading request bodies with a hard byte limit, before anything parses them. */

export class BodyTooLargeError extends Error {
  override name = 'BodyTooLargeError';
  constructor(readonly limit: number) {
    super(`request body exceeds ${limit} bytes`);
  }
}

export class BodyEncodingError extends Error {
  override name = 'BodyEncodingError';
}

/**
 * The body as UTF-8 text, refusing more than `limit` bytes whether or not `Content-Length` is
 * sent (a chunked body is counted as it streams). Invalid UTF-8 throws `BodyEncodingError`.
 */
export async function readLimitedText(request: Request, limit: number): Promise<string> {
  const declared = request.headers.get('content-length');
  if (declared !== null && Number(declared) > limit) throw new BodyTooLargeError(limit);
  if (!request.body) return '';
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limit) {
      await reader.cancel().catch(() => {});
      throw new BodyTooLargeError(limit);
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new BodyEncodingError('request body is not valid UTF-8');
  }
}

/** The media type of a request, lowercased, without parameters. */
export function mediaTypeOf(request: Request): string {
  return (request.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
}

/**
 * Reads a body to its end without keeping it, refusing more than `limit` bytes. Returns `false`
 * when the body is over the limit (by `Content-Length` or as counted).
 */
export async function drainWithinLimit(request: Request, limit: number): Promise<boolean> {
  const declared = request.headers.get('content-length');
  if (declared !== null && Number(declared) > limit) return false;
  if (!request.body) return true;
  const reader = request.body.getReader();
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return true;
      total += value.byteLength;
      if (total > limit) {
        await reader.cancel().catch(() => {});
        return false;
      }
    }
  } catch {
    // A client that hung up mid-body: nothing left to serve; the route sees the same.
    return true;
  }
}
