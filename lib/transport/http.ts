/**
 * The HTTP transport: an undici keep-alive pool (HTTP/1.1, docs/architecture.md "The HTTP
 * transport"; ggcr#1193 shows HTTP/2 hurting large uploads), manual redirects with per-origin credentials,
 * authentication, retries and typed errors. One transport serves every registry of an
 * operation so tokens and connections are shared. A failure it does not retry (a streamed
 * body, a request with `retry: false` or inside an owned attempt) is thrown typed, with
 * the delay the registry asked for (RegistryError.retryAfterMs) for the owner to wait.
 */
import type { Readable } from 'node:stream';
import type { Agent } from 'undici';
import { DeadlineError, isOciPromoteError, RedirectError } from '../errors.js';
import { type Logger, silentLogger } from '../log.js';
import { createAgent } from './agent.js';
import {
  Authenticator,
  type AuthState,
  MAX_TOKEN_RESPONSE_BYTES,
  type TokenExchange,
} from './auth.js';
import {
  armDeadline,
  DEFAULT_DEADLINE_MS,
  DEFAULT_MIN_RATE,
  deadlineMs,
  expectedBytes,
} from './deadline.js';
import { originOf, redactUrl, registryBaseUrl } from './endpoint.js';
import { toNetworkError, typeBodyErrors } from './network-error.js';
import { checkTarget, nextHop, REDIRECT_STATUSES } from './redirect.js';
import { dumpBody, errorFromResponse, firstHeader, readLimited, wrapResponse } from './response.js';
import { inOwnedAttempt, markRetryAfterReauth, withRetry } from './retry.js';
import type {
  ExchangeInfo,
  HttpMethod,
  RegistryRequest,
  RegistryResponse,
  Transport,
  TransportOptions,
} from './types.js';

/**
 * DEFAULT_TIMEOUTS in ms. Headers wait long: a registry may verify a big blob before
 * answering the final PUT. After the headers, a response must finish within `deadline`
 * plus its expected size at `minRate` bytes/s (deadline.ts).
 */
export const DEFAULT_TIMEOUTS = {
  connect: 30_000,
  headers: 300_000,
  idle: 120_000,
  deadline: DEFAULT_DEADLINE_MS,
  minRate: DEFAULT_MIN_RATE,
} as const;

/** Most authentication rounds per request: the first challenge, then one refresh or scope retry. */
const MAX_AUTH_ROUNDS = 2;

type Headers = Record<string, string | string[] | undefined>;

interface Exchange {
  status: number;
  headers: Headers;
  body: Readable;
}

/** createTransport builds the Transport the registry client talks through. */
export function createTransport(opts: TransportOptions = {}): Transport {
  const log: Logger = opts.logger ?? silentLogger;
  const timeouts = { ...DEFAULT_TIMEOUTS, ...opts.timeouts };
  const userAgent = opts.userAgent ?? 'oci-promote';
  const agent = createAgent({
    ca: opts.ca,
    insecure: opts.insecure,
    connections: opts.connections ?? 8,
    timeouts,
  });

  /**
   * send performs one HTTP exchange and reports it; failures become NetworkErrors, also
   * those of the response body, which must finish by its deadline (`cap` bounds the
   * bytes expected, see expectedBytes).
   */
  async function send(
    registry: string,
    url: URL,
    method: HttpMethod,
    headers: Record<string, string>,
    body: Uint8Array | Readable | string | undefined,
    what: string,
    signal: AbortSignal | undefined,
    cap: number | undefined,
  ): Promise<Exchange> {
    const started = performance.now();
    let res: Awaited<ReturnType<Agent['request']>>;
    try {
      res = await agent.request({
        origin: url.origin,
        path: `${url.pathname}${url.search}`,
        method,
        headers: { 'user-agent': userAgent, ...headers },
        body: body ?? null,
        // undici closes the connection after every HEAD, in case the server sends a body
        // to it (nodejs/undici#258): a new connection for each blob or manifest looked
        // for. A registry answers HEAD with headers only (distribution-spec "Checking if
        // content exists"); should one not, the next answer on that connection fails to
        // parse, which is a network error, retried on a new connection.
        ...(method === 'HEAD' && { reset: false }),
        ...(signal && { signal }),
      });
    } catch (e) {
      if (signal?.aborted) throw signal.reason;
      throw toNetworkError(e, { method, url: redactUrl(url), host: url.host, what, timeouts });
    }
    // The redacted URL is worked out when something reads it (a debug line, an error):
    // not for every exchange of a quiet run.
    let redacted: string | undefined;
    const withUrl = <T extends object>(o: T) =>
      Object.defineProperty(o, 'url', {
        enumerable: true,
        get: () => {
          redacted ??= redactUrl(url);
          return redacted;
        },
      }) as T & { readonly url: string };
    const status = res.statusCode;
    const info: ExchangeInfo = withUrl({ registry, method, status });
    const took = Math.round(performance.now() - started);
    log.debug(withUrl({ registry, method, status, ms: took }), 'http');
    opts.onExchange?.(info);
    typeBodyErrors(res.body, withUrl({ method, host: url.host, what, timeouts }), signal);
    const expected = expectedBytes(firstHeader(res.headers as Headers, 'content-length'), cap);
    const ms = deadlineMs(expected, timeouts);
    armDeadline(
      res.body,
      ms,
      () =>
        new DeadlineError(
          `${what}: ${method} ${info.url} did not finish within ${ms} ms (${expected} bytes expected, at least ${timeouts.minRate} bytes/s) — the registry or the network is too slow`,
          method,
          info.url,
        ),
    );
    return { status: res.statusCode, headers: res.headers as Headers, body: res.body };
  }

  const auth = new Authenticator({
    ...(opts.credentials && { credentials: opts.credentials }),
    ...(opts.plainHttp !== undefined && { plainHttp: opts.plainHttp }),
    ...(opts.onSecret && { onSecret: opts.onSecret }),
    logger: log,
    send: async (req: TokenExchange) => {
      const what = `get a token for ${req.registry}`;
      const res = await send(
        req.registry,
        req.url,
        req.method,
        req.headers,
        req.body,
        what,
        req.signal,
        MAX_TOKEN_RESPONSE_BYTES,
      );
      const body = await readLimited(
        res.body,
        MAX_TOKEN_RESPONSE_BYTES,
        firstHeader(res.headers, 'content-length'),
        what,
      );
      return { status: res.status, headers: res.headers, body };
    },
  });

  /** attempt sends a request once: authentication rounds and redirects, no retries. */
  async function attempt(req: RegistryRequest): Promise<RegistryResponse> {
    const base = new URL(registryBaseUrl(req.registry, { plainHttp: opts.plainHttp }));
    const registryOrigin = originOf(base);
    const first = buildUrl(base, req.path, req.query);
    // An absolute URL comes from a Location header: hold it to the redirect rules.
    if (originOf(first) !== registryOrigin) checkTarget(first, base);
    const bodyKind =
      req.body === undefined ? 'none' : req.body instanceof Uint8Array ? 'bytes' : 'stream';

    let state: AuthState | undefined = await auth.authorize(req.registry, req.scopes, req.signal);
    // A token sent up front already used the "first challenge" round: after it, one
    // refresh or one `insufficient_scope` retry remains.
    let authRounds = state?.kind === 'bearer' ? 1 : 0;
    let url = first;
    let method = req.method;
    let body = req.body;
    let hops = 0;
    const visited = new Set<string>([url.href]);
    let retryAfterReauth = false;

    for (;;) {
      // Authorization goes to the registry's own origin only (scheme, host and port):
      // never to blob storage, another port, or a downgraded scheme (CVE-2020-15157,
      // GHSA-vh4v-2xq2-g5cg, ECR's "Only one auth mechanism allowed").
      const own = originOf(url) === registryOrigin;
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers ?? {})) {
        if (k.toLowerCase() === 'authorization' && !own) continue;
        headers[k.toLowerCase()] = v;
      }
      if (own && state) headers.authorization = state.header;

      const res = await send(
        req.registry,
        url,
        method,
        headers,
        body,
        req.what,
        req.signal,
        req.expectedBytes ?? req.read?.limit,
      );

      if (req.expect.includes(res.status)) {
        if (!req.read) return wrapResponse({ ...res, url: url.href, what: req.what });
        // Read here, inside the retry loop: a body that breaks off is retried.
        const length = firstHeader(res.headers, 'content-length');
        const buffered = await readLimited(res.body, req.read.limit, length, req.what).catch(
          (e: unknown) => {
            // Body failures arrive typed (typeBodyErrors); anything else that ends the read
            // early (a premature close) is a network failure too, unless it is an abort.
            if (isOciPromoteError(e) || req.signal?.aborted || (e as Error).name === 'AbortError')
              throw e;
            throw toNetworkError(e, {
              method,
              url: redactUrl(url),
              host: url.host,
              what: req.what,
              timeouts,
              reading: true,
            });
          },
        );
        return wrapResponse({ ...res, url: url.href, what: req.what, buffered });
      }

      if (res.status === 401 && own) {
        const challenge = res.headers['www-authenticate'];
        if (bodyKind === 'stream') {
          // The body is gone; learn the challenge so a restarted attempt pre-authenticates,
          // and let the caller's retry (a new upload session) try once more when that
          // attempt would authenticate differently.
          auth.noteChallenge(req.registry, challenge, state);
          retryAfterReauth = await auth.worthRetrying(req.registry, state);
        } else if (authRounds < MAX_AUTH_ROUNDS) {
          const next = await auth
            .onUnauthorized(req.registry, challenge, req.scopes, state, req.signal)
            .catch(async (e: unknown) => {
              await dumpBody(res.body);
              throw e;
            });
          if (next) {
            await dumpBody(res.body);
            state = next;
            authRounds++;
            continue;
          }
        }
      }

      if (REDIRECT_STATUSES.has(res.status)) {
        const hop = nextHop({
          from: url,
          status: res.status,
          location: firstHeader(res.headers, 'location'),
          method,
          body: body === undefined ? 'none' : bodyKind,
          visited,
          hops,
          registryUrl: base,
        });
        await dumpBody(res.body);
        hops++;
        visited.add(hop.url.href);
        url = hop.url;
        method = hop.method;
        if (!hop.keepBody) body = undefined;
        continue;
      }

      const err = await errorFromResponse({
        status: res.status,
        headers: res.headers,
        body: res.body,
        method,
        url: redactUrl(url),
        what: req.what,
        // A final 401 says little by itself (a HEAD has no body at all): name the
        // credentials used and what the challenge says was missing.
        note:
          res.status === 401 && own
            ? await auth.explainRefusal(req.registry, res.headers['www-authenticate'], state)
            : undefined,
      });
      if (retryAfterReauth) markRetryAfterReauth(err);
      throw err;
    }
  }

  return {
    request(req: RegistryRequest): Promise<RegistryResponse> {
      const replayable = req.body === undefined || req.body instanceof Uint8Array;
      // An owned attempt's request: the operation retries as a whole, and a retry here
      // would multiply with its own (docs/faults.md, "Uploads").
      const retry = req.retry ?? !inOwnedAttempt(req.signal);
      if (!replayable || !retry) return attempt(req);
      return withRetry(() => attempt(req), {
        ...opts.retry,
        ...(req.signal && { signal: req.signal }),
        onRetry: ({ error, attempt: n, delayMs }) => {
          log.warn(
            {
              registry: req.registry,
              what: req.what,
              attempt: n,
              delayMs,
              error: messageOf(error),
            },
            'retrying after a transient failure',
          );
        },
      });
    },
    async close() {
      await agent.close();
    },
  };
}

/** buildUrl joins the registry base and a path (or takes an absolute URL) and adds the query. */
export function buildUrl(
  base: URL,
  path: string,
  query: Record<string, string | readonly string[]> | undefined,
): URL {
  let url: URL;
  if (/^https?:\/\//i.test(path)) url = new URL(path);
  else if (path.startsWith('/')) url = new URL(`${base.origin}${path}`);
  else
    throw new RedirectError(
      `request path must start with "/" or be an http(s) URL: ${redactUrl(path)}`,
    );
  // Keep a Location's own query (e.g. `_state`) byte for byte and append ours (docs/faults.md
  // case 23); URLSearchParams would re-encode what the registry wrote.
  const extra: string[] = [];
  for (const [k, v] of Object.entries(query ?? {})) {
    for (const one of typeof v === 'string' ? [v] : v) {
      extra.push(`${encodeURIComponent(k)}=${encodeURIComponent(one)}`);
    }
  }
  if (extra.length > 0) {
    url.search = url.search.length > 1 ? `${url.search}&${extra.join('&')}` : `?${extra.join('&')}`;
  }
  return url;
}

/** messageOf is what a retry log line says about the failure (messages hold no secrets). */
function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
