import type { LookupAddress, LookupOptions } from 'node:dns';
import dns from 'node:dns/promises';
import ipaddr from 'ipaddr.js';
import { HttpClientError } from '#core/errors.ts';

/** IPv6 ranges whose last 32 bits carry an IPv4 address that decides where the packet really goes. */
const EMBEDS_IPV4 = new Set(['ipv4Mapped', 'rfc6145', 'rfc6052']);
/** The well-known NAT64 prefix 64:ff9b::/96; the local-use 64:ff9b:1::/48 embeds elsewhere and stays blocked. */
const NAT64_WELL_KNOWN = ipaddr.parseCIDR('64:ff9b::/96');

/**
 * Names the special-purpose range an IP address belongs to, or returns undefined for a public unicast address.
 * Default-deny: anything ipaddr.js does not class as plain `unicast` is reported (private, loopback,
 * link-local, unique-local, CGNAT, multicast, unspecified, reserved, 6to4, Teredo, ...). IPv4-mapped and
 * NAT64 IPv6 addresses are judged by the IPv4 address they embed. Unparseable input is reported as `invalid`.
 */
export function blockedRange(address: string): string | undefined {
  const bare = address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address;
  const withoutZone = bare.split('%')[0] ?? bare;
  if (!ipaddr.isValid(withoutZone)) return 'invalid';
  const parsed = ipaddr.parse(withoutZone);
  if (parsed.kind() === 'ipv4') {
    const range = parsed.range();
    return range === 'unicast' ? undefined : `ipv4 ${range}`;
  }
  const v6 = parsed as ipaddr.IPv6;
  const range = v6.range();
  const embeds = range === 'rfc6052' ? v6.match(NAT64_WELL_KNOWN) : EMBEDS_IPV4.has(range);
  if (embeds) {
    const bytes = v6.toByteArray().slice(12);
    const inner = blockedRange(bytes.join('.'));
    return inner === undefined ? undefined : `ipv6 ${range} of ${inner}`;
  }
  return range === 'unicast' ? undefined : `ipv6 ${range}`;
}

/** True when an address is anything other than public unicast (see blockedRange). */
export function isBlockedAddress(address: string): boolean {
  return blockedRange(address) !== undefined;
}

/** Normalises an IP address to its canonical text (`::ffff:a00:1` and `::ffff:10.0.0.1` compare equal). */
export function canonicalAddress(address: string): string | undefined {
  const bare = address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address;
  return ipaddr.isValid(bare) ? ipaddr.parse(bare).toNormalizedString() : undefined;
}

/** Resolves a host name to every address it has (injectable so tests can play DNS). */
export type Resolver = (hostname: string) => Promise<readonly { address: string; family: number }[]>;

/** The system resolver, asking for every address. */
export const systemResolver: Resolver = (hostname) => dns.lookup(hostname, { all: true });

/** Who may be dialled: nothing special-purpose, except addresses explicitly exempted. */
export interface AddressPolicy {
  allowPrivateHosts: boolean;
  /** Exact addresses exempt from the guard (an internal image proxy, a test server). */
  allowAddresses?: readonly string[];
}

/** Returns a check that throws HttpClientError('blocked_host') for an address the policy refuses. */
export function addressGuard(policy: AddressPolicy): (address: string, hostname: string) => void {
  const exempt = new Set((policy.allowAddresses ?? []).map((a) => canonicalAddress(a) ?? a));
  return (address, hostname) => {
    if (policy.allowPrivateHosts) return;
    const range = blockedRange(address);
    if (range === undefined || exempt.has(canonicalAddress(address) ?? address)) return;
    const via = hostname === address ? address : `${hostname} (resolves to ${address})`;
    throw new HttpClientError(
      `refusing to connect to ${via}: ${range} address, and private hosts are not allowed`,
      'blocked_host',
      false,
    );
  };
}

/**
 * Builds a `net.connect` lookup that resolves with `resolve`, refuses the whole host if any address is blocked,
 * and only then hands addresses to the socket, so a rebinding DNS answer is never dialled.
 */
export function guardedLookup(resolve: Resolver, check: (address: string, hostname: string) => void) {
  return (
    hostname: string,
    options: LookupOptions,
    callback: (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void,
  ): void => {
    resolve(hostname).then(
      (found) => {
        try {
          for (const { address } of found) check(address, hostname);
        } catch (error) {
          callback(error as NodeJS.ErrnoException, '');
          return;
        }
        const family = options.family === 'IPv4' ? 4 : options.family === 'IPv6' ? 6 : options.family;
        const usable = found.filter((a) => !family || a.family === family);
        const first = usable[0];
        if (!first) {
          const error: NodeJS.ErrnoException = new Error(`no address found for ${hostname}`);
          error.code = 'ENOTFOUND';
          callback(error, '');
        } else if (options.all) {
          callback(
            null,
            usable.map((a) => ({ address: a.address, family: a.family })),
          );
        } else {
          callback(null, first.address, first.family);
        }
      },
      (error: NodeJS.ErrnoException) => callback(error, ''),
    );
  };
}
