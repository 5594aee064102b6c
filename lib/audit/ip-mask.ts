import { isIPv4, isIPv6 } from 'node:net';

/**
 * A client address as the audit viewer and its exports show it: enough to tell networks apart, not enough
 * to single out a person. IPv4 keeps its first three octets (`203.0.113.x`); IPv6 its first three groups,
 * the routing prefix of a site (`2001:db8:85a3:x:x:x:x:x`); an IPv4-mapped IPv6 address reads as IPv4.
 * The full address stays in the database, for an investigation that needs it.
 */
export function maskIp(ip: string | null | undefined): string | null {
  if (!ip) return null;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  const v4 = mapped?.[1] ?? ip;
  if (isIPv4(v4)) return `${v4.split('.').slice(0, 3).join('.')}.x`;
  const bare = ip.replace(/%.*$/, '');
  if (isIPv6(bare)) return `${expandIpv6(bare).slice(0, 3).join(':')}:x:x:x:x:x`;
  return 'x';
}

/** The eight groups of an IPv6 address, `::` expanded, leading zeros dropped (`2001:db8:0:…`). */
function expandIpv6(ip: string): string[] {
  const [head, tail] = ip.includes('::') ? ip.split('::') : [ip, undefined];
  const headGroups = head ? head.split(':') : [];
  const tailGroups = tail ? tail.split(':') : [];
  // A trailing dotted quad counts as two groups.
  const groups = [...headGroups, ...(tail === undefined ? [] : Array<string>(8 - headGroups.length - tailGroups.length - dottedExtra(tailGroups)).fill('0')), ...tailGroups];
  return groups.map((g) => (g.includes('.') ? g : (parseInt(g, 16) || 0).toString(16)));
}

function dottedExtra(groups: string[]): number {
  return groups.some((g) => g.includes('.')) ? 1 : 0;
}
