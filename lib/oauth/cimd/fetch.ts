/**
 * Fetching a Client ID Metadata Document, guarded against server-side request forgery
 * (draft-ietf-oauth-client-id-metadata-document §6.5; MCP 2026-07-28 authorization, security
 * considerations): https only; every address the name resolves to must be public unless the
 * operator allowed private ones; the connection goes to the address that was checked (a custom
 * `lookup` pins it, so a second DNS answer cannot swap in another); no redirects; one deadline for
 * DNS, connection and body together; a byte cap; `application/json` only.
 *
 * Node only (node:dns, node:https): it runs in route handlers and the consent page, never in
 * middleware.
 */
import { lookup as dnsLookup } from 'node:dns/promises';
import { request as httpsRequest } from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { isPublicAddress } from './address';

const CIMD_TIMEOUT_MS = 5000;
/** Generous on purpose: a 5 KiB cap elsewhere refused claude.ai's real document. */
const CIMD_MAX_BYTES = 64 * 1024;

/** Why a document could not be fetched. `reason` is for the log: it names no secret. */
export class CimdFetchError extends Error {
  override name = 'CimdFetchError';
  constructor(readonly reason: string) {
    super(reason);
  }
}

export type FetchedDocument = {
  readonly body: unknown;
  /** Response headers that decide caching (RFC 9111 §4.2). */
  readonly cacheControl: string | null;
  readonly expires: string | null;
  readonly date: string | null;
  readonly age: string | null;
};

export type FetchOptions = {
  readonly allowPrivateAddresses: boolean;
  readonly timeoutMs?: number;
  readonly maxBytes?: number;
};

function pinnedLookup(address: string, family: number): LookupFunction {
  return (_hostname, options, callback) => {
    if (options.all)
      (callback as unknown as (e: null, a: { address: string; family: number }[]) => void)(null, [{ address, family }]);
    else callback(null, address, family);
  };
}

async function resolveChecked(
  hostname: string,
  options: FetchOptions,
  signal: AbortSignal,
): Promise<{ address: string; family: number }> {
  let addresses: { address: string; family: number }[];
  if (isIP(hostname)) {
    addresses = [{ address: hostname, family: isIP(hostname) }];
  } else {
    const aborted = new Promise<never>((_, reject) =>
      signal.addEventListener('abort', () => reject(new CimdFetchError('timed out resolving the host')), {
        once: true,
      }),
    );
    try {
      addresses = await Promise.race([dnsLookup(hostname, { all: true, verbatim: true }), aborted]);
    } catch (error) {
      if (error instanceof CimdFetchError) throw error;
      throw new CimdFetchError('host name does not resolve');
    }
  }
  if (addresses.length === 0) throw new CimdFetchError('host name does not resolve');
  if (!options.allowPrivateAddresses) {
    // Every answer, not just the first: the connection must not be able to reach a refused one.
    const refused = addresses.find((a) => !isPublicAddress(a.address));
    if (refused) throw new CimdFetchError(`host resolves to a non-public address (${refused.address})`);
  }
  return addresses[0]!;
}

function mediaType(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0]!.trim().toLowerCase();
}

function header(value: string | string[] | undefined): string | null {
  return Array.isArray(value) ? value.join(', ') : (value ?? null);
}

/**
 * GETs the document at `url` and parses it as JSON. Throws `CimdFetchError` for every failure,
 * including a timeout; never follows a redirect. Does not validate the document's content.
 */
export async function fetchCimdDocument(url: URL, options: FetchOptions): Promise<FetchedDocument> {
  const timeoutMs = options.timeoutMs ?? CIMD_TIMEOUT_MS;
  const maxBytes = options.maxBytes ?? CIMD_MAX_BYTES;
  if (url.protocol !== 'https:') throw new CimdFetchError('not an https URL');
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  try {
    const hostname = url.hostname.replace(/^\[(.*)\]$/, '$1');
    const pinned = await resolveChecked(hostname, options, controller.signal);
    return await new Promise<FetchedDocument>((resolve, reject) => {
      const fail = (reason: string) => reject(new CimdFetchError(reason));
      const req = httpsRequest(
        {
          hostname,
          port: url.port === '' ? 443 : Number(url.port),
          path: `${url.pathname}${url.search}`,
          method: 'GET',
          headers: {
            Accept: 'application/json',
            'Accept-Encoding': 'identity',
            'User-Agent': 'mcp-oauth-gateway (client metadata fetch)',
          },
          lookup: pinnedLookup(pinned.address, pinned.family),
          ...(isIP(hostname) ? {} : { servername: hostname }),
          agent: false,
          signal: controller.signal,
        },
        (res) => {
          const status = res.statusCode ?? 0;
          const bail = (reason: string) => {
            res.destroy();
            fail(reason);
          };
          if (status >= 300 && status < 400) return bail(`answered a redirect (${status}); redirects are not followed`);
          if (status !== 200) return bail(`answered status ${status}`);
          if (mediaType(res.headers['content-type']) !== 'application/json')
            return bail('content type is not application/json');
          const encoding = res.headers['content-encoding'];
          if (encoding !== undefined && encoding.toLowerCase() !== 'identity') return bail('content is encoded');
          const declared = Number(res.headers['content-length']);
          if (Number.isFinite(declared) && declared > maxBytes) return bail(`document larger than ${maxBytes} bytes`);
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size > maxBytes) return bail(`document larger than ${maxBytes} bytes`);
            chunks.push(chunk);
          });
          res.on('error', () =>
            fail(controller.signal.aborted ? `timed out after ${timeoutMs} ms` : 'connection failed while reading'),
          );
          res.on('end', () => {
            if (size > maxBytes) return;
            let body: unknown;
            try {
              body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
            } catch {
              return fail('document is not valid JSON');
            }
            resolve({
              body,
              cacheControl: header(res.headers['cache-control']),
              expires: header(res.headers.expires),
              date: header(res.headers.date),
              age: header(res.headers.age),
            });
          });
        },
      );
      req.on('error', (error: NodeJS.ErrnoException) => {
        if (controller.signal.aborted) return fail(`timed out after ${timeoutMs} ms`);
        fail(
          error.code?.startsWith('ERR_TLS') || error.code?.includes('CERT')
            ? 'TLS certificate not trusted'
            : `connection failed (${error.code ?? 'error'})`,
        );
      });
      req.end();
    });
  } finally {
    clearTimeout(timer);
  }
}
