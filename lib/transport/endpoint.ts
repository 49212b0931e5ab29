/**
 * Registry names to URLs, origin comparison, and URL redaction for logs and errors.
 */
import { DOCKER_HUB } from '../reference.js';
import { addressKind } from './address.js';
import type { PlainHttp } from './types.js';

/** DOCKER_HUB_HOST is where Docker Hub serves the Distribution API (not `docker.io` itself). */
export const DOCKER_HUB_HOST = 'registry-1.docker.io';

/** registryBaseUrl returns the base URL of a normalised registry name, without trailing slash. */
export function registryBaseUrl(registry: string, opts: { plainHttp?: PlainHttp } = {}): string {
  // Docker Hub's API host differs from its reference name (docs/auth.md).
  const host = registry === DOCKER_HUB ? DOCKER_HUB_HOST : registry;
  return `${usesPlainHttp(registry, opts.plainHttp) ? 'http' : 'https'}://${host}`;
}

/**
 * usesPlainHttp decides the scheme of one registry (TransportOptions.plainHttp): a boolean
 * for every registry, a list of registry names (others follow the default), or a function.
 * The default, as crane's: plain http for a loopback registry (`localhost`, `*.localhost`,
 * 127.0.0.0/8, ::1, any port), https for every other, so no public registry is ever
 * reached over http unless it is named.
 */
export function usesPlainHttp(registry: string, plainHttp: PlainHttp | undefined): boolean {
  if (typeof plainHttp === 'boolean') return plainHttp;
  if (typeof plainHttp === 'function') return plainHttp(registry);
  const name = registry.toLowerCase();
  if (plainHttp?.some((r) => r.toLowerCase() === name)) return true;
  return isLoopbackRegistry(registry);
}

/** isLoopbackRegistry tells whether a registry name (`host[:port]`) is on loopback. */
export function isLoopbackRegistry(registry: string): boolean {
  if (registry === DOCKER_HUB) return false;
  let hostname: string;
  try {
    hostname = new URL(`http://${registry}`).hostname;
  } catch {
    return false;
  }
  return addressKind(hostname) === 'loopback';
}

/**
 * originOf returns scheme://host:port with the default port made explicit, so that
 * `https://r.io` and `https://r.io:443` compare equal while `http://r.io` and
 * `https://r.io`, or two ports on one host, do not (GHSA-vh4v-2xq2-g5cg).
 */
export function originOf(url: string | URL): string {
  const u = typeof url === 'string' ? new URL(url) : url;
  const port = u.port || (u.protocol === 'https:' ? '443' : u.protocol === 'http:' ? '80' : '');
  return `${u.protocol}//${u.hostname.toLowerCase()}:${port}`;
}

/** sameOrigin tells whether two URLs share scheme, host and port. */
export function sameOrigin(a: string | URL, b: string | URL): boolean {
  return originOf(a) === originOf(b);
}

/**
 * Query parameters whose values are secrets: presigned S3/GCS/Azure/CloudFront URLs
 * (ECR, GHCR's pkg-containers), Docker Hub's Cloudflare `verify`, distribution's upload
 * `_state` (an HMAC-signed blob of upload state), and anything named like a token.
 */
const sensitiveParam =
  /^(x-amz-.*|x-goog-.*|sig|signature|.*token.*|_state|verify|policy|key-pair-id|password|secret|credential|code|auth)$/i;

/** REDACTED replaces secret values in redacted URLs. */
export const REDACTED = 'REDACTED';

/**
 * redactUrl removes userinfo and the fragment and replaces the values of sensitive query
 * parameters with `REDACTED`, keeping parameter names and everything else as written.
 * A string that is not a URL is returned with any query string dropped.
 */
export function redactUrl(url: string | URL): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    const s = String(url);
    const q = s.indexOf('?');
    return q === -1 ? s : `${s.slice(0, q)}?${REDACTED}`;
  }
  u.username = '';
  u.password = '';
  u.hash = '';
  if (u.search.length > 1) {
    // Rewrite the raw query so parameters keep their original encoding and order.
    const parts = u.search.slice(1).split('&');
    const redacted = parts.map((part) => {
      const eq = part.indexOf('=');
      const rawName = eq === -1 ? part : part.slice(0, eq);
      let name = rawName;
      try {
        name = decodeURIComponent(rawName.replace(/\+/g, ' '));
      } catch {
        // keep the raw name
      }
      return sensitiveParam.test(name) && eq !== -1 ? `${rawName}=${REDACTED}` : part;
    });
    u.search = `?${redacted.join('&')}`;
  }
  return u.href;
}
