/**
 * A fault-injecting reverse proxy for integration tests: a `node:http` server on a free
 * loopback port that forwards every request to a real registry (streaming both ways, no
 * body is buffered) and, by rule, breaks some of them the way networks, load balancers
 * and misbehaving registries do. The client uses the proxy's `host` as its registry
 * (`--plain-http`). The `Host` header is forwarded unchanged, so distribution builds its
 * upload `Location`s on the proxy's address and the whole session stays behind the proxy.
 *
 * ```ts
 * const proxy = await startFaultProxy(t, registry, { seed: 7 });
 * proxy.addRule({ method: 'GET', path: /\/blobs\/sha256:/, nth: 1, action: { type: 'status', status: 503 } });
 * proxy.addRule({ method: 'PUT', path: /\/blobs\/uploads\//, probability: 0.3,
 *   action: { type: 'reset', side: 'request', afterBytes: 1 << 20 } });
 * // ...copy through proxy.host...
 * t.equal(proxy.injected.length, 1);
 * ```
 *
 * Rules are tried in order for every request; a rule counts the requests it matched
 * (method, path regex, predicate) and fires on its `nth` occurrences, or with its
 * `probability` (drawn from a seeded RNG, so a run's fault rate is reproducible — the
 * exact requests hit depend on arrival order when requests run in parallel), or always;
 * `times` caps how often it fires. The first rule that fires decides the request.
 *
 * Everything is recorded: `requests` (one entry per request: status, body bytes each
 * way, whether it carried Authorization, the upstream's Location, the fault applied) and
 * `injected` (one entry per fault), so a test can assert that a fault really happened.
 */
import {
  Agent,
  createServer,
  request as httpRequest,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type OutgoingHttpHeaders,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable, Transform, type TransformCallback } from 'node:stream';
import type { TeardownHost } from './registry.js';

/** What the proxy knows about a request when it decides on a fault. */
export interface ProxyRequestInfo {
  method: string;
  /** Path and query as received, e.g. `/v2/app/blobs/uploads/uuid?_state=…`. */
  url: string;
  /** Path without the query. */
  path: string;
  headers: IncomingHttpHeaders;
}

/** FaultAction is what the proxy does instead of (or to) a plain forward. */
export type FaultAction =
  /** Answer this status itself (429 with `retry-after`, 500/502/503/504, 403 …); the upstream never sees the request. */
  | {
      type: 'status';
      status: number;
      headers?: Record<string, string>;
      /** JSON (object) or text body; default a distribution-style `{"errors":[…]}`. */
      body?: string | object;
      /** Answer before reading the request body (a load balancer that cuts an upload short). */
      early?: boolean;
    }
  /**
   * Reset the connection after `afterBytes` body bytes (default 0): of the request (the
   * client's upload breaks) or of the response (the download breaks). On the request side,
   * `forward: true` streams those bytes to the upstream before both connections are cut
   * (the registry saw part of the body); by default the upstream never sees the request.
   */
  | {
      type: 'reset';
      side: 'request' | 'response';
      afterBytes?: number;
      forward?: boolean;
      /** Response side: cut before the answer's headers (the upstream did the work; the answer is lost). */
      beforeHeaders?: boolean;
    }
  /** After `afterBytes` of the response body, send `chunkBytes` (default 1) every `stallMs`. */
  | { type: 'slow'; afterBytes?: number; stallMs: number; chunkBytes?: number }
  /** Flip one byte of the response body (same length); default offset: the middle. */
  | { type: 'corrupt'; offset?: number }
  /**
   * Change response headers (undefined deletes one). With `hold`, the headers are sent and
   * the body never is: the proxy waits for the client to give up (to show it read nothing).
   */
  | { type: 'headers'; set: Record<string, string | undefined>; hold?: boolean }
  /** Answer with this body instead of the upstream's (a Buffer, or a stream made per request). */
  | {
      type: 'body';
      status?: number;
      headers?: Record<string, string>;
      body: Buffer | (() => Readable);
    }
  /** Forward with request headers changed (undefined deletes one), e.g. a `Range` dropped. */
  | { type: 'forward'; requestHeaders: Record<string, string | undefined> }
  /** Redirect (307 by default) to `location`. */
  | {
      type: 'redirect';
      status?: number;
      location: string | ((req: ProxyRequestInfo) => string);
    };

/** FaultRule says which requests get which fault. */
export interface FaultRule {
  /** Shown in `injected` (default: the action type). */
  name?: string;
  method?: string | readonly string[];
  /** Tested against `url` (path and query). */
  path?: RegExp;
  when?: (req: ProxyRequestInfo) => boolean;
  /** Fire on these occurrences (1-based) among the requests this rule matched. */
  nth?: number | readonly number[];
  /** Fire with this probability, drawn from the proxy's seeded RNG. */
  probability?: number;
  /** Fire at most this many times. */
  times?: number;
  /** The fault, or a function choosing one (e.g. at random with the proxy's RNG). */
  action: FaultAction | ((req: ProxyRequestInfo, random: () => number) => FaultAction);
}

/** One fault the proxy applied. */
export interface InjectedFault {
  rule: string;
  type: FaultAction['type'];
  method: string;
  url: string;
  /** `Date.now()` when the request arrived. */
  at: number;
  /** e.g. the status answered, or the byte count a reset came after. */
  detail?: string;
}

/** One request that went through the proxy. */
export interface ProxiedRequest {
  method: string;
  url: string;
  path: string;
  /** `Date.now()` when it arrived. */
  at: number;
  /** Status sent to the client (undefined when the connection was cut before headers). */
  status?: number;
  /** Request body bytes received from the client. */
  requestBytes: number;
  /** Response body bytes sent to the client. */
  responseBytes: number;
  /** Whether the client sent an Authorization header. */
  authorization: boolean;
  /** The client's request headers (Authorization removed). */
  headers: IncomingHttpHeaders;
  /** The `Location` the upstream answered with, as sent. */
  location?: string;
  /** Name of the fault applied, if any. */
  fault?: string;
  /** Type of the fault applied, if any. */
  faultType?: FaultAction['type'];
  /** Set when the exchange ended badly (client gone, upstream error). */
  error?: string;
  /** Resolves when the proxy is done with the request. */
  done: Promise<void>;
}

export interface FaultProxyOptions {
  /** Seed of the RNG behind `probability` and action functions (default 1). */
  seed?: number;
  rules?: FaultRule[];
  /** Headers added to every forwarded request, e.g. the proxy's own upstream credentials (blob storage that signs for itself). */
  upstreamHeaders?: Record<string, string>;
  /** Listen address (default 127.0.0.1). */
  host?: string;
}

export interface FaultProxy {
  /** `http://127.0.0.1:PORT` */
  url: string;
  /** `127.0.0.1:PORT`: what a client uses as the registry name. */
  host: string;
  port: number;
  requests: ProxiedRequest[];
  injected: InjectedFault[];
  addRule(...rules: FaultRule[]): void;
  /** Drops every rule (counters included). */
  clearRules(): void;
  /** Forgets recorded requests and faults. */
  clearRecords(): void;
  /** Waits until every request seen so far is finished. */
  settle(): Promise<void>;
  /** Counts `injected` by type (and status, for `status`). */
  summary(): Record<string, number>;
  random: () => number;
  close(): Promise<void>;
}

/** mulberry32: a small seeded PRNG with values in [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'upgrade', 'te']);

function forwardHeaders(headers: IncomingHttpHeaders): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  for (const [k, v] of Object.entries(headers)) {
    if (v !== undefined && !HOP_BY_HOP.has(k)) out[k] = v;
  }
  return out;
}

/** Counts bytes through; after `limit` bytes (if given) calls `onLimit` once and passes nothing more. */
class Counter extends Transform {
  count = 0;
  constructor(
    private readonly onBytes: (n: number) => void,
    private readonly limit?: number,
    private readonly onLimit?: () => void,
  ) {
    super();
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    if (this.limit !== undefined) {
      const room = this.limit - this.count;
      if (room <= 0) {
        done();
        return;
      }
      if (chunk.length >= room) {
        const part = chunk.subarray(0, room);
        this.count += part.length;
        this.onBytes(part.length);
        this.push(part);
        done();
        this.onLimit?.();
        return;
      }
    }
    this.count += chunk.length;
    this.onBytes(chunk.length);
    done(null, chunk);
  }
}

/** Flips the byte at body offset `at`. */
class Corrupter extends Transform {
  #pos = 0;
  constructor(private readonly at: number) {
    super();
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    const end = this.#pos + chunk.length;
    if (this.at >= this.#pos && this.at < end) {
      const copy = Buffer.from(chunk);
      const i = this.at - this.#pos;
      copy[i] = copy[i]! ^ 0xff;
      chunk = copy;
    }
    this.#pos = end;
    done(null, chunk);
  }
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });

/** startFaultProxy starts a proxy in front of `upstream`; with a tap test it closes in teardown. */
export async function startFaultProxy(
  t: TeardownHost | null,
  upstream: { url: string } | string,
  opts: FaultProxyOptions = {},
): Promise<FaultProxy> {
  const target = new URL(typeof upstream === 'string' ? upstream : upstream.url);
  const random = seededRandom(opts.seed ?? 1);
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  type LiveRule = { rule: FaultRule; seen: number; fired: number };
  let rules: LiveRule[] = [];
  const requests: ProxiedRequest[] = [];
  const injected: InjectedFault[] = [];
  const pending = new Set<Promise<void>>();

  const choose = (info: ProxyRequestInfo): { rule: LiveRule; action: FaultAction } | undefined => {
    for (const live of rules) {
      const r = live.rule;
      if (r.method !== undefined) {
        const methods = typeof r.method === 'string' ? [r.method] : r.method;
        if (!methods.includes(info.method)) continue;
      }
      if (r.path && !r.path.test(info.url)) continue;
      if (r.when && !r.when(info)) continue;
      live.seen++;
      if (r.times !== undefined && live.fired >= r.times) continue;
      let fire = true;
      if (r.nth !== undefined) {
        const nth = typeof r.nth === 'number' ? [r.nth] : r.nth;
        fire = nth.includes(live.seen);
      } else if (r.probability !== undefined) {
        fire = random() < r.probability;
      }
      if (!fire) continue;
      live.fired++;
      const action = typeof r.action === 'function' ? r.action(info, random) : r.action;
      return { rule: live, action };
    }
    return undefined;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse, rec: ProxiedRequest) => {
    const info: ProxyRequestInfo = {
      method: rec.method,
      url: rec.url,
      path: rec.path,
      headers: req.headers,
    };
    const chosen = choose(info);
    const action = chosen?.action;
    const note = (detail?: string) => {
      if (!chosen || !action) return;
      const name = chosen.rule.rule.name ?? action.type;
      rec.fault = name;
      rec.faultType = action.type;
      injected.push({
        rule: name,
        type: action.type,
        method: rec.method,
        url: rec.url,
        at: rec.at,
        ...(detail !== undefined && { detail }),
      });
    };
    const closed = new AbortController();
    res.on('close', () => closed.abort());
    const countRequest = (n: number) => {
      rec.requestBytes += n;
    };
    const drain = () =>
      new Promise<void>((resolve) => {
        req.on('data', (c: Buffer) => countRequest(c.length));
        req.on('end', resolve);
        req.on('error', () => resolve());
        req.on('close', resolve);
      });
    const answer = (status: number, headers: OutgoingHttpHeaders, body?: Buffer) => {
      rec.status = status;
      const h = { ...headers };
      if (body) h['content-length'] = String(body.length);
      res.writeHead(status, h);
      if (body) rec.responseBytes += body.length;
      res.end(body);
    };

    if (action?.type === 'status') {
      note(String(action.status));
      if (!action.early) await drain();
      const body =
        action.body === undefined
          ? Buffer.from(
              JSON.stringify({
                errors: [
                  {
                    code: action.status === 429 ? 'TOOMANYREQUESTS' : 'UNAVAILABLE',
                    message: `injected ${action.status}`,
                  },
                ],
              }),
            )
          : Buffer.from(
              typeof action.body === 'string' ? action.body : JSON.stringify(action.body),
            );
      const type = typeof action.body === 'string' ? 'text/plain' : 'application/json';
      answer(action.status, { 'content-type': type, ...action.headers }, body);
      if (action.early) res.once('finish', () => req.socket?.destroy());
      return;
    }
    if (action?.type === 'redirect') {
      const location =
        typeof action.location === 'string' ? action.location : action.location(info);
      note(`${action.status ?? 307} ${location}`);
      await drain();
      answer(action.status ?? 307, { location }, Buffer.alloc(0));
      return;
    }
    if (action?.type === 'body') {
      note(String(action.status ?? 200));
      await drain();
      const status = action.status ?? 200;
      rec.status = status;
      if (Buffer.isBuffer(action.body)) {
        answer(status, { ...action.headers }, action.body);
        return;
      }
      res.writeHead(status, { ...action.headers });
      const src = action.body();
      await pump(src, res, (n) => {
        rec.responseBytes += n;
      });
      return;
    }
    if (action?.type === 'reset' && action.side === 'request' && !action.forward) {
      const after = action.afterBytes ?? 0;
      note(`request after ${after} bytes`);
      await new Promise<void>((resolve) => {
        const cut = () => {
          req.socket?.destroy();
          resolve();
        };
        if (after === 0) return cut();
        req.on('data', (c: Buffer) => {
          countRequest(c.length);
          if (rec.requestBytes >= after) cut();
        });
        req.on('end', cut);
        req.on('error', () => resolve());
        req.on('close', () => resolve());
      });
      rec.error = 'reset by fault';
      return;
    }

    // Forward to the upstream, with the fault (if any) applied on the way.
    const upstreamHeaders = { ...forwardHeaders(req.headers), ...opts.upstreamHeaders };
    if (action?.type === 'forward') {
      note(JSON.stringify(action.requestHeaders));
      for (const [k, v] of Object.entries(action.requestHeaders)) {
        if (v === undefined) delete upstreamHeaders[k.toLowerCase()];
        else upstreamHeaders[k.toLowerCase()] = v;
      }
    }
    const up = httpRequest({
      host: target.hostname,
      port: target.port,
      method: req.method,
      path: req.url,
      headers: upstreamHeaders,
      agent,
    });
    const cutBoth = (why: string) => {
      rec.error ??= why;
      up.destroy();
      req.socket?.destroy();
      res.destroy();
    };
    up.on('error', (e) => cutBoth(`upstream: ${e.message}`));
    closed.signal.addEventListener('abort', () => {
      if (!res.writableFinished) {
        rec.error ??= 'client went away';
        up.destroy();
      }
    });

    let requestLimit: Counter;
    if (action?.type === 'reset' && action.side === 'request') {
      const after = action.afterBytes ?? 0;
      note(`request after ${after} bytes (forwarded)`);
      requestLimit = new Counter(countRequest, after, () => {
        // Let the forwarded part reach the upstream, then cut both sides.
        setTimeout(() => cutBoth('reset by fault'), 50);
      });
    } else {
      requestLimit = new Counter(countRequest);
    }
    req.pipe(requestLimit).pipe(up);
    req.on('error', () => cutBoth('client request error'));

    const ures = await new Promise<IncomingMessage | undefined>((resolve) => {
      up.once('response', resolve);
      up.once('error', () => resolve(undefined));
      up.once('close', () => resolve(undefined));
    });
    if (!ures) return;
    const location = ures.headers.location;
    if (location !== undefined) rec.location = location;
    const headers = forwardHeaders(ures.headers);
    const status = ures.statusCode ?? 502;

    if (action?.type === 'headers') {
      note(JSON.stringify(action.set));
      for (const [k, v] of Object.entries(action.set)) {
        if (v === undefined) delete headers[k.toLowerCase()];
        else headers[k.toLowerCase()] = v;
      }
      rec.status = status;
      res.writeHead(status, headers);
      if (action.hold) {
        res.flushHeaders();
        ures.destroy();
        await sleep(30_000, closed.signal);
        res.destroy();
        return;
      }
      await pump(ures, res, (n) => {
        rec.responseBytes += n;
      });
      return;
    }

    if (action?.type === 'reset' && action.side === 'response' && action.beforeHeaders) {
      note(`answer ${status} lost`);
      ures.resume();
      await new Promise<void>((resolve) => ures.once('end', resolve).once('error', resolve));
      cutBoth('reset by fault');
      return;
    }
    rec.status = status;
    res.writeHead(status, headers);
    const counted = (n: number) => {
      rec.responseBytes += n;
    };
    if (action?.type === 'reset' && action.side === 'response') {
      const after = action.afterBytes ?? 0;
      note(`response after ${after} bytes`);
      res.flushHeaders();
      const limiter = new Counter(counted, after, () => {
        setTimeout(() => cutBoth('reset by fault'), 20);
      });
      if (after === 0) {
        setTimeout(() => cutBoth('reset by fault'), 20);
        return;
      }
      ures.pipe(limiter).pipe(res);
      return;
    }
    if (action?.type === 'corrupt') {
      const length = Number(ures.headers['content-length']);
      const at = action.offset ?? (Number.isFinite(length) ? Math.floor(length / 2) : 0);
      note(`byte ${at}`);
      await pump(ures.pipe(new Corrupter(at)), res, counted);
      return;
    }
    if (action?.type === 'slow') {
      note(
        `after ${action.afterBytes ?? 0} bytes, ${action.chunkBytes ?? 1} per ${action.stallMs} ms`,
      );
      const after = action.afterBytes ?? 0;
      const step = action.chunkBytes ?? 1;
      const stallMs = action.stallMs;
      const signal = closed.signal;
      async function* drip() {
        let sent = 0;
        for await (const chunk of ures as AsyncIterable<Buffer>) {
          let c = chunk;
          if (sent < after) {
            const head = c.subarray(0, after - sent);
            sent += head.length;
            yield head;
            c = c.subarray(head.length);
          }
          while (c.length > 0) {
            await sleep(stallMs, signal);
            if (signal.aborted) return;
            const part = c.subarray(0, step);
            c = c.subarray(part.length);
            sent += part.length;
            yield part;
          }
        }
      }
      res.flushHeaders();
      await pump(Readable.from(drip()), res, counted);
      ures.destroy();
      return;
    }
    await pump(ures, res, counted);
  };

  const server = createServer((req, res) => {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    let finish!: () => void;
    const rec: ProxiedRequest = {
      method: req.method ?? 'GET',
      url,
      path: q === -1 ? url : url.slice(0, q),
      at: Date.now(),
      requestBytes: 0,
      responseBytes: 0,
      authorization: req.headers.authorization !== undefined,
      headers: { ...req.headers, authorization: undefined },
      done: new Promise<void>((resolve) => {
        finish = resolve;
      }),
    };
    requests.push(rec);
    const p = handle(req, res, rec)
      .catch((e: unknown) => {
        rec.error ??= (e as Error).message;
        res.destroy();
      })
      .then(async () => {
        if (!res.writableFinished && !res.destroyed) {
          await new Promise<void>((resolve) => res.once('close', () => resolve()));
        }
      })
      .finally(() => {
        pending.delete(p);
        finish();
      });
    pending.add(p);
  });
  server.keepAliveTimeout = 30_000;
  const address = opts.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, address, () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      agent.destroy();
    })();
    return closing;
  };
  t?.teardown(close);

  return {
    url: `http://${address}:${port}`,
    host: `${address}:${port}`,
    port,
    requests,
    injected,
    addRule: (...more) => {
      for (const rule of more) rules.push({ rule, seen: 0, fired: 0 });
    },
    clearRules: () => {
      rules = [];
    },
    clearRecords: () => {
      requests.length = 0;
      injected.length = 0;
    },
    settle: async () => {
      await Promise.all([...pending]);
    },
    summary: () => {
      const out: Record<string, number> = {};
      for (const f of injected) {
        const key = f.type === 'status' ? `status ${f.detail}` : f.type;
        out[key] = (out[key] ?? 0) + 1;
      }
      return out;
    },
    random,
    close,
  };
}

/** pump copies `src` into `res` with backpressure, counting bytes; stops when either side ends. */
async function pump(src: Readable, res: ServerResponse, onBytes: (n: number) => void) {
  res.on('error', () => {});
  await new Promise<void>((resolve) => {
    let finished = false;
    const end = () => {
      if (finished) return;
      finished = true;
      resolve();
    };
    src.on('data', (chunk: Buffer) => {
      onBytes(chunk.length);
      if (!res.write(chunk)) {
        src.pause();
        res.once('drain', () => src.resume());
      }
    });
    src.on('end', () => {
      res.end();
      end();
    });
    src.on('error', () => {
      res.destroy();
      end();
    });
    res.on('close', () => {
      src.destroy();
      end();
    });
  });
}
