/**
 * Reading request bodies with a hard byte limit, before anything parses them. Every way a body can
 * fail is a value: `too_large` (by `Content-Length` or as counted), `encoding` (not UTF-8), and
 * `aborted` (the client went away mid-body: a routine event, never a stack trace, and nothing is
 * passed on to be read again).
 */
import { failure, ok, type Result } from '../result';

export type BodyFailure = 'too_large' | 'encoding' | 'aborted';

/** Reads `request`'s body to its end, handing each chunk to `onChunk`; stops past `limit` bytes. */
async function readWithin(
  request: Request,
  limit: number,
  onChunk: (chunk: Uint8Array) => void,
): Promise<Result<number, 'too_large' | 'aborted'>> {
  const declared = request.headers.get('content-length');
  if (declared !== null && Number(declared) > limit) return failure('too_large');
  if (!request.body) return ok(0);
  const reader = request.body.getReader();
  // A torn connection may leave the stream pending rather than errored (Next's body tee does not
  // pass errors on): the request's signal, aborted when the client goes, ends the wait too.
  let onAbort: (() => void) | undefined;
  const gone = new Promise<'gone'>((resolve) => {
    if (request.signal.aborted) resolve('gone');
    else {
      onAbort = () => resolve('gone');
      request.signal.addEventListener('abort', onAbort, { once: true });
    }
  });
  let total = 0;
  try {
    for (;;) {
      const next = await Promise.race([reader.read(), gone]);
      if (next === 'gone') {
        // Not awaited: Next's tee source is still in its `start`, so the cancel would wait forever.
        reader.cancel().catch(() => {});
        return failure('aborted');
      }
      const { done, value } = next;
      if (done) return ok(total);
      total += value.byteLength;
      if (total > limit) {
        await reader.cancel().catch(() => {});
        return failure('too_large');
      }
      onChunk(value);
    }
  } catch {
    // The only way a request body's read fails: the connection closed before its end.
    return failure('aborted');
  } finally {
    // The signal outlives this read (it is the request's): a listener left on it would keep the
    // read's whole closure, the request included, alive for as long as the signal lives.
    if (onAbort) request.signal.removeEventListener('abort', onAbort);
  }
}

/** The body as UTF-8 text, at most `limit` bytes whether or not `Content-Length` is sent. */
export async function readLimitedText(request: Request, limit: number): Promise<Result<string, BodyFailure>> {
  const chunks: Uint8Array[] = [];
  const read = await readWithin(request, limit, (chunk) => chunks.push(chunk));
  if (!read.ok) return read;
  const bytes = new Uint8Array(read.value);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  try {
    return ok(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    return failure('encoding');
  }
}

/** Reads a body to its end without keeping it, within `limit` bytes. */
export async function drainWithinLimit(
  request: Request,
  limit: number,
): Promise<Result<null, 'too_large' | 'aborted'>> {
  const read = await readWithin(request, limit, () => {});
  return read.ok ? ok(null) : read;
}

/** The media type of a request, lowercased, without parameters. */
export function mediaTypeOf(request: Request): string {
  return (request.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
}
