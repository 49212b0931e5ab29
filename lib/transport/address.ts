/**
 * What kind of address a host name is, by its literal form: the one loopback rule used
 * by the redirect policy (redirect.ts) and the plain-http default (endpoint.ts).
 */
import { isIP } from 'node:net';

/**
 * addressKind classifies a host by its literal form only; DNS names (except `localhost`)
 * are 'other' — resolving them here would not stop a rebinding attack anyway.
 */
export function addressKind(hostname: string): 'loopback' | 'link-local' | 'other' {
  const h = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h.endsWith('.localhost')) return 'loopback';
  const v = isIP(h);
  if (v === 4) return ipv4Kind(h);
  if (v === 6) {
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(h);
    if (mapped) return ipv4Kind(mapped[1]!);
    const hex = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(h);
    if (hex) {
      const n = (Number.parseInt(hex[1]!, 16) << 16) | Number.parseInt(hex[2]!, 16);
      return ipv4Kind([n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.'));
    }
    if (h === '::1') return 'loopback';
    if (/^fe[89ab][0-9a-f]:/.test(h)) return 'link-local';
    return 'other';
  }
  return 'other';
}

function ipv4Kind(ip: string): 'loopback' | 'link-local' | 'other' {
  const [a, b] = ip.split('.').map(Number);
  if (a === 127) return 'loopback';
  if (a === 169 && b === 254) return 'link-local';
  return 'other';
}
