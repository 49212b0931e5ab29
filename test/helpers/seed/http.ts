/**
 * Raw HTTP to a registry (node:http, no lib/, no shared dispatcher): blobs, manifests, tags.
 * Every request sends `User-Agent: oci-promote-test-seed/1`.
 */
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import {
  credsOf,
  hostOf,
  MANIFEST_ACCEPT,
  SEED_USER_AGENT,
  sha256,
  type Target,
} from './target.js';

export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** One plain-HTTP request to the registry (Basic auth from the target's credentials). */
export function rawRequest(
  target: Target,
  method: string,
  path: string,
  opts: { headers?: Record<string, string>; body?: Buffer | Readable; bodyLength?: number } = {},
): Promise<RawResponse> {
  const [hostname, port] = hostOf(target).split(':');
  const headers: Record<string, string> = { 'user-agent': SEED_USER_AGENT, ...opts.headers };
  const creds = credsOf(target);
  if (creds && !headers.authorization) {
    headers.authorization = `Basic ${Buffer.from(`${creds.username}:${creds.password}`).toString('base64')}`;
  }
  if (Buffer.isBuffer(opts.body)) headers['content-length'] = String(opts.body.length);
  else if (opts.body && opts.bodyLength !== undefined) {
    headers['content-length'] = String(opts.bodyLength);
  }
  return new Promise((resolvePromise, reject) => {
    const req = httpRequest(
      { host: hostname, port: Number(port ?? 80), method, path, headers, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolvePromise({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks),
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    if (!opts.body) req.end();
    else if (Buffer.isBuffer(opts.body)) req.end(opts.body);
    else opts.body.pipe(req);
  });
}

function expect(res: RawResponse, ok: number[], what: string): RawResponse {
  if (!ok.includes(res.status)) {
    throw new Error(`${what}: HTTP ${res.status} ${res.body.toString('utf8').slice(0, 300)}`);
  }
  return res;
}

/** Resolves a possibly relative upload `Location` to a path on the registry. */
function locationPath(location: string | undefined): string {
  if (!location) throw new Error('upload answered without Location');
  const u = new URL(location, 'http://registry.invalid');
  return `${u.pathname}${u.search}`;
}

/**
 * Pushes a blob (POST, then monolithic PUT with `?digest=`), skipping it when HEAD says it
 * exists. `bytes` may be a Buffer or a file path. Returns its digest.
 */
export async function pushBlob(
  target: Target,
  repo: string,
  bytes: Buffer | { path: string; digest?: string },
): Promise<string> {
  let digest: string;
  let size: number;
  if (Buffer.isBuffer(bytes)) {
    digest = sha256(bytes);
    size = bytes.length;
  } else {
    digest = bytes.digest ?? sha256(await readFile(bytes.path));
    size = (await stat(bytes.path)).size;
  }
  const head = await rawRequest(target, 'HEAD', `/v2/${repo}/blobs/${digest}`);
  if (head.status === 200) return digest;
  const start = expect(
    await rawRequest(target, 'POST', `/v2/${repo}/blobs/uploads/`),
    [202],
    `POST blob upload ${repo}`,
  );
  const loc = locationPath(start.headers.location);
  const sep = loc.includes('?') ? '&' : '?';
  const body = Buffer.isBuffer(bytes) ? bytes : createReadStream(bytes.path);
  expect(
    await rawRequest(target, 'PUT', `${loc}${sep}digest=${encodeURIComponent(digest)}`, {
      headers: { 'content-type': 'application/octet-stream' },
      body,
      bodyLength: size,
    }),
    [201],
    `PUT blob ${digest} to ${repo}`,
  );
  return digest;
}

/** PUT a manifest's exact bytes under `ref` (tag or digest). Returns its digest. */
export async function pushManifest(
  target: Target,
  repo: string,
  ref: string,
  bytes: Buffer,
  mediaType: string,
): Promise<string> {
  const res = expect(
    await rawRequest(target, 'PUT', `/v2/${repo}/manifests/${ref}`, {
      headers: { 'content-type': mediaType },
      body: bytes,
    }),
    [201],
    `PUT manifest ${repo}:${ref}`,
  );
  const digest = sha256(bytes);
  const echoed = res.headers['docker-content-digest'];
  if (echoed && echoed !== digest) {
    throw new Error(`registry stored ${repo}:${ref} as ${echoed}, expected ${digest}`);
  }
  return digest;
}

export interface FetchedManifest {
  status: number;
  bytes: Buffer;
  mediaType: string | undefined;
  /** `Docker-Content-Digest` header. */
  digest: string | undefined;
}

/** GET a manifest (accepting OCI and Docker media types). 404 → status 404, empty bytes. */
export async function getManifest(
  target: Target,
  repo: string,
  ref: string,
  accept: string = MANIFEST_ACCEPT,
): Promise<FetchedManifest> {
  const res = expect(
    await rawRequest(target, 'GET', `/v2/${repo}/manifests/${ref}`, { headers: { accept } }),
    [200, 404],
    `GET manifest ${repo}:${ref}`,
  );
  return {
    status: res.status,
    bytes: res.status === 200 ? res.body : Buffer.alloc(0),
    mediaType: res.headers['content-type'],
    digest: res.headers['docker-content-digest'] as string | undefined,
  };
}

/** HEAD a manifest: its digest, or undefined when absent. */
export async function headManifest(
  target: Target,
  repo: string,
  ref: string,
): Promise<string | undefined> {
  const res = expect(
    await rawRequest(target, 'HEAD', `/v2/${repo}/manifests/${ref}`, {
      headers: { accept: MANIFEST_ACCEPT },
    }),
    [200, 404],
    `HEAD manifest ${repo}:${ref}`,
  );
  return res.status === 200 ? (res.headers['docker-content-digest'] as string) : undefined;
}

/** HEAD a blob: true when present. */
export async function blobExists(target: Target, repo: string, digest: string): Promise<boolean> {
  const res = expect(
    await rawRequest(target, 'HEAD', `/v2/${repo}/blobs/${digest}`),
    [200, 404],
    `HEAD blob ${repo}@${digest}`,
  );
  return res.status === 200;
}

/** DELETE a manifest by digest (the registry runs with `delete.enabled: true`). */
export async function deleteManifest(target: Target, repo: string, digest: string): Promise<void> {
  expect(
    await rawRequest(target, 'DELETE', `/v2/${repo}/manifests/${digest}`),
    [202],
    `DELETE manifest ${repo}@${digest}`,
  );
}

/** All tags of `repo`, following `Link` pagination; [] when the repository is unknown. */
export async function listTags(target: Target, repo: string, pageSize?: number): Promise<string[]> {
  const tags: string[] = [];
  let path: string | undefined = `/v2/${repo}/tags/list${pageSize ? `?n=${pageSize}` : ''}`;
  while (path) {
    const res = expect(await rawRequest(target, 'GET', path), [200, 404], `GET tags ${repo}`);
    if (res.status === 404) return [];
    const body = JSON.parse(res.body.toString('utf8')) as { tags: string[] | null };
    tags.push(...(body.tags ?? []));
    const link = res.headers.link;
    const m = typeof link === 'string' ? /<([^>]+)>\s*;\s*rel="?next"?/.exec(link) : null;
    path = m?.[1] ? locationPath(m[1]) : undefined;
  }
  return tags;
}
