// Who may read the API's internals (/metrics, the detailed /health) without an operator session: callers
// from the networks ops configure (Prometheus, the orchestrator's probes), or with the metrics token.
// Everyone else, merchants and the internet included, gets a 404 (the routes' existence is no one's business).
import { BlockList, isIP } from 'node:net';
import { timingSafeEqual } from 'node:crypto';

export interface InternalCallers {
  allowsAddress(ip: string): boolean;
  allowsToken(authorization: string | undefined): boolean;
}

/** `networks`: addresses or CIDRs, or `loopback`; `token`: a bearer token scrapers may send instead. */
export function internalCallers(networks: readonly string[], token: string | undefined): InternalCallers {
  const list = new BlockList();
  for (const entry of networks) {
    if (entry === 'loopback') {
      list.addSubnet('127.0.0.0', 8, 'ipv4');
      list.addAddress('::1', 'ipv6');
      continue;
    }
    const [address = '', prefix] = entry.split('/');
    const type = isIP(address) === 6 ? 'ipv6' : 'ipv4';
    if (prefix === undefined) list.addAddress(address, type);
    else list.addSubnet(address, Number(prefix), type);
  }
  const expected = token ? Buffer.from(`Bearer ${token}`) : null;
  return {
    allowsAddress(ip) {
      const mapped = ip.startsWith('::ffff:') ? ip.slice(7) : ip;
      const type = isIP(mapped);
      return type !== 0 && list.check(mapped, type === 6 ? 'ipv6' : 'ipv4');
    },
    allowsToken(authorization) {
      if (!expected || !authorization) return false;
      const given = Buffer.from(authorization);
      return given.length === expected.length && timingSafeEqual(given, expected);
    },
  };
}
