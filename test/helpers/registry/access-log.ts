/** Reading distribution's access log: one combined-format line per request it served. */
import type { RequestKind, RequestLogEntry } from './types.js';

// 127.0.0.1 - - [01/Dec/2026:01:44:01 +0000] "GET /v2/ HTTP/1.1" 200 2 "" "curl/7.88.1"
const ACCESS_LINE =
  /^\S+ \S+ \S+ \[[^\]]+\] "(\S+) (\S+) [^"]*" (\d{3}) (\d+|-) "(?:[^"\\]|\\.)*" "((?:[^"\\]|\\.)*)"$/;

const NAME = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*';
const ROUTES: Array<[RegExp, RequestKind]> = [
  [new RegExp(`^/v2/(${NAME})/manifests/([^/]+)$`), 'manifest'],
  [new RegExp(`^/v2/(${NAME})/blobs/uploads/?([^/]*)$`), 'blob-upload'],
  [new RegExp(`^/v2/(${NAME})/blobs/([^/]+)$`), 'blob'],
  [new RegExp(`^/v2/(${NAME})/tags/list$`), 'tags'],
  [new RegExp(`^/v2/(${NAME})/referrers/([^/]+)$`), 'referrers'],
];

function unquote(s: string): string {
  return s.replace(/\\(.)/g, '$1');
}

/** Parses one combined-format access log line of distribution; undefined if it is not one. */
export function parseAccessLine(line: string): RequestLogEntry | undefined {
  const m = ACCESS_LINE.exec(line);
  if (!m) return undefined;
  const [, method, uri, status, bytes, ua] = m as unknown as [
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  const q = uri.indexOf('?');
  const path = q === -1 ? uri : uri.slice(0, q);
  const query = q === -1 ? '' : uri.slice(q + 1);
  const entry: RequestLogEntry = {
    method,
    path,
    query,
    status: Number(status),
    bytes: bytes === '-' ? 0 : Number(bytes),
    userAgent: unquote(ua),
    kind: 'other',
  };
  if (path === '/v2/' || path === '/v2') entry.kind = 'ping';
  else if (path === '/v2/_catalog') entry.kind = 'catalog';
  else {
    for (const [re, kind] of ROUTES) {
      const r = re.exec(path);
      if (!r) continue;
      entry.kind = kind;
      entry.repo = r[1];
      if (r[2]) entry.ref = decodeURIComponent(r[2]);
      break;
    }
  }
  if (entry.kind === 'blob-upload' && method === 'POST') {
    entry.mount = new URLSearchParams(query).has('mount');
  }
  return entry;
}

/** Counts entries by `"METHOD kind status"`, e.g. `{ "HEAD blob 200": 8 }` — for messages. */
export function summarizeRequests(entries: RequestLogEntry[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const e of entries) {
    const key = `${e.method} ${e.kind}${e.mount ? ' mount' : ''} ${e.status}`;
    out[key] = (out[key] ?? 0) + 1;
  }
  return out;
}

/**
 * Requests that carried blob bytes to the registry: PATCH or PUT on an upload session, and
 * POST to start a (non-mount) upload. Empty for a copy that only mounted/skipped blobs.
 */
export function blobUploadRequests(entries: RequestLogEntry[]): RequestLogEntry[] {
  return entries.filter(
    (e) =>
      e.kind === 'blob-upload' &&
      (e.method === 'PATCH' || e.method === 'PUT' || (e.method === 'POST' && !e.mount)),
  );
}
