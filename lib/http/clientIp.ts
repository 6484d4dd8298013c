/**
 * The client address for per-IP limits (failed authentications, consent attempts, registration).
 *
 * Trusted only when `config.trustProxyHeaders`:
 * - On Vercel (the default there), the edge overwrites `x-forwarded-for` with the address it saw
 *   and sets `x-real-ip` to the same value; a client's own values are not forwarded, precisely
 *   to prevent IP spoofing. So neither header can be forged from outside.
 * - Behind the operator's own proxy (`TRUST_PROXY_HEADERS=1`), that proxy must set `X-Real-IP`
 *   (nginx: `proxy_set_header X-Real-IP $remote_addr;`) or append to `X-Forwarded-For`. We read
 *   `x-real-ip`, else the LAST `x-forwarded-for` hop, the one the nearest proxy appended (the
 *   first hop is whatever the client wrote).
 *
 * Untrusted: `null`, no address at all, because web-standard handlers do not see the socket
 * address. Callers then turn per-address limits that could lock out other clients off
 * (failed authentications), and pool the rest (registration) under `UNKNOWN_CLIENT_IP`.
 * A trusted but unparsable value counts as `UNKNOWN_CLIENT_IP`. IPv6 addresses count per /64,
 * the block one subscriber typically holds; IPv4-mapped IPv6 counts as the IPv4 address.
 */

export const UNKNOWN_CLIENT_IP = 'unknown';

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/** The eight 16-bit groups of an IPv6 address, or `null` when it is not one. */
function ipv6Groups(value: string): number[] | null {
  let text = value;
  const embedded = /^(.*:)(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (embedded) {
    // RFC 4291 §2.2: the last 32 bits may be written as dotted IPv4.
    if (!IPV4.test(embedded[2]!)) return null;
    const [a, b, c, d] = embedded[2]!.split('.').map(Number) as [number, number, number, number];
    text = `${embedded[1]}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const parse = (part: string): number[] | null => {
    if (part === '') return [];
    const groups = part.split(':');
    return groups.every((g) => /^[0-9a-f]{1,4}$/.test(g)) ? groups.map((g) => parseInt(g, 16)) : null;
  };
  const head = parse(halves[0]!);
  const tail = halves.length === 2 ? parse(halves[1]!) : [];
  if (!head || !tail) return null;
  if (halves.length === 1) return head.length === 8 ? head : null;
  if (head.length + tail.length > 7) return null;
  return [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
}

/** A canonical bucket name for one address: IPv4 as is, IPv6 as its /64. */
export function normalizeIp(raw: string): string | null {
  let value = raw.trim().toLowerCase();
  // `[2001:db8::1]:443` and `203.0.113.7:443` (some proxies add the port).
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(value);
  if (bracketed) value = bracketed[1]!;
  else if (/^[\d.]+:\d+$/.test(value)) value = value.slice(0, value.indexOf(':'));
  value = value.replace(/%.*$/, '');
  if (IPV4.test(value)) return value;
  const groups = ipv6Groups(value);
  if (!groups) return null;
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    return `${groups[6]! >> 8}.${groups[6]! & 255}.${groups[7]! >> 8}.${groups[7]! & 255}`;
  }
  return `${groups
    .slice(0, 4)
    .map((g) => g.toString(16))
    .join(':')}::/64`;
}

/** The bucket of the request's client for per-IP limits, `null` when no address can be trusted (see above). */
export function clientIp(request: Request, config: { readonly trustProxyHeaders: boolean }): string | null {
  if (!config.trustProxyHeaders) return null;
  const real = request.headers.get('x-real-ip');
  const hops = request.headers.get('x-forwarded-for')?.split(',') ?? [];
  const raw = real?.trim() ? real : hops[hops.length - 1];
  return (raw && normalizeIp(raw)) || UNKNOWN_CLIENT_IP;
}
