/**
 * Failures below HTTP turned into NetworkErrors whose message says what happened and
 * what to do: a refused connection, a DNS failure, a timeout, a TLS problem (naming the
 * certificate problem and pointing at --ca-file / --insecure / --plain-http).
 */
import type { Readable } from 'node:stream';
import { isOciPromoteError, NetworkError } from '../errors.js';

const TLS_TRUST = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_UNTRUSTED',
  'CERT_SIGNATURE_FAILURE',
]);

function codeOf(err: unknown): string | undefined {
  let e: unknown = err;
  for (let i = 0; i < 5 && typeof e === 'object' && e !== null; i++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && code !== 'UND_ERR_CONNECT' && code !== 'UND_ERR') return code;
    if (e instanceof AggregateError && e.errors.length > 0) e = e.errors[0];
    else e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/** certNames returns the peer certificate's subjectAltName, from a TLS identity error. */
function certNames(err: unknown): string | undefined {
  let e: unknown = err;
  for (let i = 0; i < 5 && typeof e === 'object' && e !== null; i++) {
    const san = (e as { cert?: { subjectaltname?: unknown } }).cert?.subjectaltname;
    if (typeof san === 'string' && san !== '') return san.slice(0, 200);
    if (e instanceof AggregateError && e.errors.length > 0) e = e.errors[0];
    else e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

function messageOf(err: unknown): string {
  const e = err instanceof AggregateError && err.errors[0] instanceof Error ? err.errors[0] : err;
  // OpenSSL errors carry a short `reason` ("wrong version number") besides a long,
  // multi-line message.
  const reason = (e as { reason?: unknown })?.reason;
  if (typeof reason === 'string' && reason !== '') return reason;
  const text = e instanceof Error ? e.message : String(e);
  // Node 24 appends its own advice ("; if the root CA is installed locally, try running
  // Node.js with --use-system-ca"); the messages here give the tool's own.
  return text
    .split('\n')[0]!
    .replace(/; if the root CA is installed locally.*$/, '')
    .trim();
}

/**
 * toNetworkError describes a failed exchange. `url` must already be redacted; `host`
 * is `host:port` as dialled; `what` names the operation (e.g. `fetch manifest …`).
 */
export function toNetworkError(
  err: unknown,
  init: {
    method: string;
    url: string;
    host: string;
    what: string;
    timeouts?: { connect?: number; headers?: number; idle?: number };
    /** The headers were in: the body broke off. */
    reading?: boolean;
  },
): NetworkError {
  const { method, url, host, what } = init;
  const code = codeOf(err);
  const reason = ((): string => {
    switch (code) {
      case 'ECONNREFUSED':
        return `connection refused to ${host} — is the registry running?`;
      case 'ENOTFOUND':
        return `cannot resolve host ${host.replace(/:\d+$/, '')} — check the registry name`;
      case 'EAI_AGAIN':
        return `DNS lookup of ${host.replace(/:\d+$/, '')} failed temporarily`;
      case 'ECONNRESET':
      case 'EPIPE':
      case 'UND_ERR_SOCKET':
      case 'UND_ERR_CLOSED':
        return `connection to ${host} closed unexpectedly (${code})`;
      case 'ETIMEDOUT':
      case 'UND_ERR_CONNECT_TIMEOUT':
        return `timed out connecting to ${host}${init.timeouts?.connect ? ` after ${init.timeouts.connect} ms` : ''}`;
      case 'UND_ERR_HEADERS_TIMEOUT':
        return `no response from ${host}${init.timeouts?.headers ? ` within ${init.timeouts.headers} ms` : ''}`;
      case 'UND_ERR_BODY_TIMEOUT':
        return `response from ${host} stalled${init.timeouts?.idle ? ` for more than ${init.timeouts.idle} ms` : ''}`;
      case 'ENETUNREACH':
      case 'EHOSTUNREACH':
        return `network unreachable for ${host} (${code})`;
      case 'CERT_HAS_EXPIRED':
        return `TLS certificate of ${host} has expired — renew it, or pass --insecure to skip verification`;
      case 'CERT_NOT_YET_VALID':
        return `TLS certificate of ${host} is not yet valid (check the clock) — or pass --insecure`;
      case 'ERR_TLS_CERT_ALTNAME_INVALID': {
        // Node's reason lists only names of the dialled kind ("IP: 127.0.0.1 is not in
        // the cert's list: " for a certificate with DNS names only): say what it holds.
        const names = certNames(err);
        return `TLS certificate of ${host} does not match its name (${names ? `the certificate is for ${names}` : messageOf(err)}) — use a name the certificate holds, or pass --insecure to skip verification`;
      }
      case 'EPROTO':
      case 'ERR_SSL_WRONG_VERSION_NUMBER':
        return `TLS handshake with ${host} failed (${messageOf(err)}) — if the registry speaks plain http, use --plain-http (--from-plain-http or --to-plain-http for one side of a copy)`;
      default:
        if (code && TLS_TRUST.has(code)) {
          return `TLS certificate of ${host} is not trusted (${code}: ${messageOf(err)}) — pass --ca-file with the CA that signed it, or --insecure to skip verification`;
        }
        return `${messageOf(err)}${code ? ` (${code})` : ''}`;
    }
  })();
  // After the headers, the network-level advice (address, --plain-http) does not fit.
  const message = init.reading
    ? `${what}: ${method} ${url} failed while reading the response: ${reason} — the answer broke off midway; try again later`
    : `${what}: ${method} ${url} failed: ${reason}`;
  return new NetworkError(message, method, url, { cause: err });
}

/**
 * typeBodyErrors makes a response body fail with a NetworkError instead of undici's raw
 * error (a reset, a premature close, the idle timeout), so whoever reads it, the
 * transport's retry or a blob stream's consumer, sees a typed, retryable failure. Every
 * body failure arrives through `destroy(err)`; wrapping that instance method leaves the
 * bytes untouched (no extra stream on the blob path). Our own typed errors (a deadline,
 * a digest mismatch downstream) and aborts pass through as they are.
 */
export function typeBodyErrors(
  body: Readable,
  init: Omit<Parameters<typeof toNetworkError>[1], 'reading'>,
  signal?: AbortSignal,
): void {
  const destroy = body.destroy.bind(body);
  body.destroy = (err?: Error) => {
    const keep =
      err === undefined ||
      isOciPromoteError(err) ||
      err.name === 'AbortError' ||
      (signal?.aborted === true && err === signal.reason);
    return destroy(keep ? err : toNetworkError(err, { ...init, reading: true }));
  };
}
