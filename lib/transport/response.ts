/**
 * Reading response bodies with limits, and turning unexpected answers into typed
 * RegistryErrors (distribution-spec "Error Codes": `{"errors":[{code,message,detail}]}`,
 * though a 4xx body "may be in any format").
 */
import { Readable } from 'node:stream';
import {
  type RegistryError,
  type RegistryErrorDetail,
  ResponseTooLargeError,
  registryError,
} from '../errors.js';
import { parseRetryAfter, parseRetryHint } from './retry.js';
import type { RegistryResponse } from './types.js';

/** MAX_ERROR_BODY_BYTES caps what is read of an error body (ggcr#2296: 64 KiB). */
export const MAX_ERROR_BODY_BYTES = 64 * 1024;

type Headers = Record<string, string | string[] | undefined>;
type DumpableReadable = Readable & { dump?: (opts?: { limit?: number }) => Promise<void> };

/** firstHeader returns one header value, the first when repeated. */
export function firstHeader(headers: Headers, name: string): string | undefined {
  const v = headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

/**
 * readLimited reads a whole body, failing with ResponseTooLargeError past `limit`
 * bytes: at once when Content-Length says so, else as soon as the count passes it.
 */
export async function readLimited(
  body: Readable,
  limit: number,
  contentLength: string | undefined,
  what: string,
): Promise<Buffer> {
  const declared = contentLength === undefined ? Number.NaN : Number(contentLength);
  if (Number.isFinite(declared) && declared > limit) {
    discard(body);
    throw new ResponseTooLargeError(
      `${what}: response of ${declared} bytes is over the ${limit}-byte limit`,
    );
  }
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of body) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    total += buf.length;
    if (total > limit) {
      discard(body);
      throw new ResponseTooLargeError(`${what}: response is over the ${limit}-byte limit`);
    }
    chunks.push(buf);
  }
  return Buffer.concat(chunks, total);
}

/**
 * discard abandons a body: the connection is closed rather than drained. The abort
 * error undici then emits on the stream is expected and swallowed.
 */
function discard(body: Readable): void {
  body.on('error', () => {});
  body.destroy();
}

/** readTruncated reads at most `limit` bytes and discards the rest (for error bodies). */
async function readTruncated(body: Readable, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for await (const chunk of body) {
      const buf = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
      chunks.push(buf.subarray(0, Math.max(0, limit - total)));
      total += buf.length;
      if (total >= limit) {
        discard(body);
        break;
      }
    }
  } catch {
    // A body that breaks off still tells the status; keep what arrived.
  }
  return Buffer.concat(chunks);
}

/** dumpBody discards a body so the connection can be reused (or closed past 128 KiB). */
export async function dumpBody(body: Readable): Promise<void> {
  const b = body as DumpableReadable;
  try {
    if (typeof b.dump === 'function') await b.dump();
    else discard(body);
  } catch {
    // Nothing useful to do: the connection is dropped instead of reused.
  }
}

/** parseErrorBody reads `{"errors":[…]}`; anything else yields no details. */
export function parseErrorBody(text: string): RegistryErrorDetail[] {
  let o: unknown;
  try {
    o = JSON.parse(text);
  } catch {
    return [];
  }
  const errors = (o as { errors?: unknown })?.errors;
  if (!Array.isArray(errors)) return [];
  const out: RegistryErrorDetail[] = [];
  for (const e of errors) {
    if (typeof e !== 'object' || e === null) continue;
    const { code, message, detail } = e as Record<string, unknown>;
    if (typeof code !== 'string') continue;
    const d: RegistryErrorDetail = { code };
    if (typeof message === 'string' && message !== '') d.message = message;
    if (detail !== undefined) d.detail = detail;
    out.push(d);
  }
  return out;
}

/**
 * errorFromResponse reads the error body (capped) and builds the RegistryError for an
 * unexpected status, with the delay the registry asked for: `Retry-After`, else GHCR's
 * `retry-after: 10.3ms` body hint (docs/faults.md case 26). `url` must already be redacted.
 */
export async function errorFromResponse(init: {
  status: number;
  headers: Headers;
  body: Readable;
  method: string;
  url: string;
  what: string;
  now?: number;
  /** Appended to the message after " — " (e.g. why authentication failed). */
  note?: string | undefined;
}): Promise<RegistryError> {
  const text =
    init.method === 'HEAD'
      ? ''
      : (await readTruncated(init.body, MAX_ERROR_BODY_BYTES)).toString('utf8');
  if (init.method === 'HEAD') await dumpBody(init.body);
  const errors = parseErrorBody(text);
  const retryAfterMs =
    parseRetryAfter(firstHeader(init.headers, 'retry-after'), init.now) ??
    (init.status === 429 || init.status === 503 ? parseRetryHint(text) : undefined);
  const note =
    init.note ??
    (plainHttpToTls(init.status, init.url, init.method, init.headers, text)
      ? 'the server speaks https on this port: pass --no-plain-http (loopback registries are plain http by default)'
      : undefined);
  const fields = {
    status: init.status,
    method: init.method,
    url: init.url,
    what: init.what,
    errors,
    ...(retryAfterMs !== undefined && { retryAfterMs }),
  };
  const err = registryError(fields);
  return note ? registryError({ ...fields, message: `${err.message} — ${note}` }) : err;
}

/**
 * plainHttpToTls tells whether a 400 is a TLS server's answer to a plain-http request:
 * Go's (distribution's) writes `HTTP/1.0 400 Bad Request` with no header at all and the
 * body "Client sent an HTTP request to an HTTPS server."; nginx says "The plain HTTP
 * request was sent to HTTPS port". A HEAD has no body to read, so for Go the missing
 * headers tell (every registry response carries some).
 */
function plainHttpToTls(
  status: number,
  url: string,
  method: string,
  headers: Headers,
  text: string,
): boolean {
  if (status !== 400 || !url.startsWith('http:')) return false;
  if (/HTTP request to an HTTPS server|plain HTTP request was sent to HTTPS port/i.test(text)) {
    return true;
  }
  return method === 'HEAD' && Object.keys(headers).length === 0;
}

/**
 * wrapResponse builds the RegistryResponse handed to the registry client. With
 * `buffered`, the body was already read (RegistryRequest.read): `bytes` returns it and
 * `body` replays it.
 */
export function wrapResponse(init: {
  status: number;
  headers: Headers;
  body: Readable;
  url: string;
  what: string;
  buffered?: Buffer;
}): RegistryResponse {
  const { status, headers, url, what, buffered } = init;
  const body = buffered ? Readable.from([buffered], { objectMode: false }) : init.body;
  return {
    status,
    headers,
    url,
    body,
    header: (name) => firstHeader(headers, name),
    bytes: async (limit) => {
      if (!buffered) return readLimited(body, limit, firstHeader(headers, 'content-length'), what);
      if (buffered.length > limit) {
        throw new ResponseTooLargeError(
          `${what}: response of ${buffered.length} bytes is over the ${limit}-byte limit`,
        );
      }
      return buffered;
    },
    dump: () => dumpBody(body),
  };
}
