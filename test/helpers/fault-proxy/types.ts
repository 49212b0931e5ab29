/** The fault proxy's types: faults, rules, what it records, and the running proxy. */
import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';

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
