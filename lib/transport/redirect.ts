/**
 * Redirects are followed by hand (docs/faults.md cases 13–16: undici/fetch forward custom headers
 * across origins), so the transport decides per hop what is sent where. Rules:
 * - at most MAX_REDIRECTS hops, and a URL seen twice is a loop;
 * - never from https to http (regclient `internal/regnet`);
 * - never to link-local addresses (cloud metadata, ggcr#2292/#2295), nor to loopback
 *   unless the registry itself is on loopback;
 * - a body is resent only for 307/308 and only when it is bytes; 303, and 301/302 after
 *   a POST, become a GET without body (RFC 9110 §15.4).
 * Whether Authorization goes along is decided by origin in http.ts, not here.
 */
import { RedirectError } from '../errors.js';
import { addressKind } from './address.js';
import { redactUrl } from './endpoint.js';
import type { HttpMethod } from './types.js';

export { addressKind } from './address.js';

/** MAX_REDIRECTS is the most hops one request follows. */
export const MAX_REDIRECTS = 10;

/** REDIRECT_STATUSES are the statuses followed when the caller does not accept them. */
export const REDIRECT_STATUSES: ReadonlySet<number> = new Set([301, 302, 303, 307, 308]);

/** NextHop is where a redirect leads and what to send there. */
export interface NextHop {
  url: URL;
  method: HttpMethod;
  /** False when the body must be dropped (303, or 301/302 after POST). */
  keepBody: boolean;
}

/** RedirectInput describes the redirect answer being followed. */
export interface RedirectInput {
  from: URL;
  status: number;
  location: string | undefined;
  method: HttpMethod;
  /** 'none', 'bytes' (replayable) or 'stream' (sent once). */
  body: 'none' | 'bytes' | 'stream';
  /** URLs already requested by this request, including `from`. */
  visited: ReadonlySet<string>;
  /** Hops already followed before this one. */
  hops: number;
  /** The registry's own base URL, for the address policy. */
  registryUrl: URL;
}

/** nextHop decides where a redirect goes, or throws RedirectError when it must not be followed. */
export function nextHop(r: RedirectInput): NextHop {
  const where = `${r.method} ${redactUrl(r.from)}`;
  if (!r.location) {
    throw new RedirectError(`${where} answered ${r.status} without a Location header`);
  }
  if (r.hops + 1 > MAX_REDIRECTS) {
    throw new RedirectError(`${where}: more than ${MAX_REDIRECTS} redirects`);
  }
  let url: URL;
  try {
    url = new URL(r.location, r.from);
  } catch {
    throw new RedirectError(`${where} redirected to an invalid URL`);
  }
  checkTarget(url, r.registryUrl, r.from);
  if (r.visited.has(url.href)) {
    throw new RedirectError(`${where}: redirect loop back to ${redactUrl(url)}`);
  }
  let method = r.method;
  let keepBody = r.body !== 'none';
  if (
    (r.status === 303 && method !== 'HEAD') ||
    ((r.status === 301 || r.status === 302) && method === 'POST')
  ) {
    method = 'GET';
    keepBody = false;
  }
  if (keepBody && r.body === 'stream') {
    throw new RedirectError(
      `${where} answered ${r.status}: a streamed body cannot be sent again to ${redactUrl(url)}`,
    );
  }
  return { url, method, keepBody };
}

/**
 * checkTarget refuses URLs a registry must not send us to: a scheme other than http(s),
 * a downgrade from https to http, link-local addresses, and loopback when the registry
 * is not itself on loopback. Used for redirects and for absolute `Location` URLs.
 */
export function checkTarget(url: URL, registryUrl: URL, from: URL = registryUrl): void {
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new RedirectError(`refusing to follow ${redactUrl(url)}: only http(s) URLs are followed`);
  }
  if (from.protocol === 'https:' && url.protocol === 'http:') {
    throw new RedirectError(
      `refusing to follow ${redactUrl(from)} to ${redactUrl(url)}: a downgrade from https to plain http`,
    );
  }
  const kind = addressKind(url.hostname);
  if (kind === 'link-local') {
    throw new RedirectError(
      `refusing to follow ${redactUrl(url)}: link-local address (cloud metadata)`,
    );
  }
  if (kind === 'loopback' && addressKind(registryUrl.hostname) !== 'loopback') {
    throw new RedirectError(
      `refusing to follow ${redactUrl(url)}: loopback address, and the registry ${registryUrl.host} is not on loopback`,
    );
  }
}
