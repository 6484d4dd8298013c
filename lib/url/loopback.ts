/** Loopback host names as `URL.hostname` spells them (IPv6 in brackets): RFC 8252 §7.3, RFC 6761 §6.3. */
export const LOOPBACK_HOSTS: readonly string[] = ['localhost', '127.0.0.1', '[::1]'];

export function isLoopbackHost(hostname: string): boolean {
  return LOOPBACK_HOSTS.includes(hostname);
}
