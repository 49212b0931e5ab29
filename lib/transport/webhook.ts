/**
 * One POST to a webhook (a notification receiver) over the same TLS settings and
 * timeouts as the registries: `ca`, `insecure`, and connect/header/idle timeouts, each
 * capped by the exchange's own limit. No credentials, no redirects followed, no retries:
 * a notification is best effort and must not hold up the action it reports on.
 */
import { createAgent } from './agent.js';
import { DEFAULT_TIMEOUTS } from './http.js';
import type { TransportOptions } from './types.js';

/** WebhookOptions configure postWebhook. */
export interface WebhookOptions
  extends Pick<TransportOptions, 'ca' | 'insecure' | 'timeouts' | 'userAgent'> {
  /** Most milliseconds any one phase may take (connect, headers, between body bytes). */
  limitMs: number;
  signal?: AbortSignal;
}

/** The largest answer read (and discarded) so the connection closes cleanly. */
const MAX_ANSWER_BYTES = 64 * 1024;

/**
 * postWebhook POSTs `body` as JSON to `url` and returns the HTTP status. The answer is
 * discarded unread: it may quote the URL, which can be a secret. Whatever the connection
 * throws is thrown as it is, for the caller to word without the URL.
 */
export async function postWebhook(url: URL, body: string, opts: WebhookOptions): Promise<number> {
  const cap = (ms: number | undefined, fallback: number) => Math.min(ms ?? fallback, opts.limitMs);
  const agent = createAgent({
    ca: opts.ca,
    insecure: opts.insecure,
    connections: 1,
    timeouts: {
      connect: cap(opts.timeouts?.connect, DEFAULT_TIMEOUTS.connect),
      headers: cap(opts.timeouts?.headers, DEFAULT_TIMEOUTS.headers),
      idle: cap(opts.timeouts?.idle, DEFAULT_TIMEOUTS.idle),
    },
  });
  try {
    const res = await agent.request({
      origin: url.origin,
      path: `${url.pathname}${url.search}`,
      method: 'POST',
      headers: {
        'content-type': 'application/json; charset=utf-8',
        'user-agent': opts.userAgent ?? 'oci-promote',
      },
      body,
      ...(opts.signal && { signal: opts.signal }),
    });
    await res.body.dump({ limit: MAX_ANSWER_BYTES }).catch(() => {});
    return res.statusCode;
  } finally {
    await agent.close().catch(() => {});
  }
}
