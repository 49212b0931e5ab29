/**
 * Seeding registries for tests without using lib/: skopeo pushes OCI layouts (what a real
 * user's tooling would have written), and a few raw-HTTP helpers (node:http, no shared
 * dispatcher) push what skopeo cannot: artifacts with `subject`, the referrers tag-schema
 * fallback index, cosign-style `sha256-<hex>.sig` manifests — all read from the committed
 * layouts in fixtures/oci-layouts, byte for byte.
 *
 * Every raw request sends `User-Agent: oci-promote-test-seed/1` so a test can tell seeding
 * traffic apart in a registry's request log (or just `await registry.resetRequests()` after
 * seeding).
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

export const SEED_USER_AGENT = 'oci-promote-test-seed/1';

export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
export const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';
export const DOCKER_LIST = 'application/vnd.docker.distribution.manifest.list.v2+json';
export const MANIFEST_ACCEPT = [OCI_MANIFEST, OCI_INDEX, DOCKER_MANIFEST, DOCKER_LIST].join(', ');
const REF_NAME = 'org.opencontainers.image.ref.name';

/**
 * Absolute path of fixtures/oci-layouts, found by walking up from this module (it also
 * runs compiled, from dist/test/helpers, for the demo and the benchmark).
 */
export const FIXTURES_DIR = findUp(
  fileURLToPath(new URL('.', import.meta.url)),
  join('fixtures', 'oci-layouts'),
);

function findUp(from: string, rel: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, rel))) return join(dir, rel);
    if (dirname(dir) === dir) throw new Error(`${rel} not found above ${from}`);
  }
}
/** Layout with refs `amd64` (OCI image), `arm64`, `multiarch` (OCI index). */
export const BUSYBOX_LAYOUT = join(FIXTURES_DIR, 'busybox');
/** Layout with refs `sbom`, `sha256-<hex>` (fallback index), `sha256-<hex>.sig`. */
export const ARTIFACTS_LAYOUT = join(FIXTURES_DIR, 'artifacts');

export interface Credentials {
  username: string;
  password: string;
}
/** A registry: `'127.0.0.1:5000'` or anything with `host` (e.g. a harness `Registry`). */
export type Target = string | { host: string; credentials?: Credentials | undefined };

function hostOf(target: Target): string {
  return typeof target === 'string' ? target : target.host;
}
function credsOf(target: Target): Credentials | undefined {
  return typeof target === 'string' ? undefined : target.credentials;
}

export const sha256 = (bytes: Buffer | string): string =>
  `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

// ---------------------------------------------------------------------------------------------
// Layout reading

export interface LayoutDescriptor {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
  platform?: { os: string; architecture: string; variant?: string };
  artifactType?: string;
}

export function blobPath(layout: string, digest: string): string {
  const [alg, hex] = digest.split(':');
  if (!alg || !hex || !/^[a-f0-9]+$/.test(hex)) throw new Error(`bad digest ${digest}`);
  return join(layout, 'blobs', alg, hex);
}

export async function readLayoutBlob(layout: string, digest: string): Promise<Buffer> {
  return readFile(blobPath(layout, digest));
}

/** The descriptors of a layout's index.json, by ref name. */
export async function layoutRefs(layout: string): Promise<Record<string, LayoutDescriptor>> {
  const index = JSON.parse(await readFile(join(layout, 'index.json'), 'utf8')) as {
    manifests: LayoutDescriptor[];
  };
  const out: Record<string, LayoutDescriptor> = {};
  for (const m of index.manifests) {
    const name = m.annotations?.[REF_NAME];
    if (name !== undefined) out[name] = m;
  }
  return out;
}

/** Descriptor of `ref` in the layout (throws if absent). */
export async function layoutRef(layout: string, ref: string): Promise<LayoutDescriptor> {
  const d = (await layoutRefs(layout))[ref];
  if (!d) throw new Error(`${layout} has no ref ${ref}`);
  return d;
}

// ---------------------------------------------------------------------------------------------
// skopeo

export interface SkopeoOptions {
  /** Credentials for the destination (default: the target's `credentials`). */
  destCreds?: Credentials;
  srcCreds?: Credentials;
  /** Extra flags, e.g. `['--format', 'v2s2']`. */
  args?: string[];
}

async function skopeo(args: string[]): Promise<{ stdout: string; stderr: string }> {
  try {
    return await execFileAsync('skopeo', args, { maxBuffer: 64 * 1024 * 1024 });
  } catch (err) {
    const e = err as Error & { stderr?: string };
    throw new Error(`skopeo ${args.join(' ')} failed: ${e.stderr?.trim() || e.message}`);
  }
}

const credsArg = (flag: string, c?: Credentials) =>
  c ? [flag, `${c.username}:${c.password}`] : [];

/**
 * `skopeo copy --all --preserve-digests --dest-tls-verify=false oci:LAYOUT:REF
 * docker://HOST/REPO:TAG` (TAG defaults to REF). Returns the digest the registry holds,
 * read back with `skopeo inspect --raw`.
 */
export function pushLayout(
  target: Target,
  layout: string,
  ref: string,
  repo: string,
  tag: string = ref,
  opts: SkopeoOptions = {},
): Promise<string> {
  return skopeoPush(target, layout, ref, repo, tag, ['--preserve-digests'], opts);
}

/**
 * Docker v2 schema 2 content, produced at seed time: `skopeo copy --all --format v2s2`
 * converts `ref` of `layout` — an OCI image becomes a v2s2 manifest
 * (`application/vnd.docker.distribution.manifest.v2+json`, config type
 * `application/vnd.docker.container.image.v1+json`), an OCI index becomes a Docker manifest
 * list whose children are converted the same way. Media types change, so manifest digests
 * differ from the layout's; config and layer blobs stay byte-identical. Returns the digest
 * the registry holds. (busybox `amd64` → sha256:23b7521c…eaeab with skopeo 1.9.3.)
 */
export function pushDockerV2(
  target: Target,
  layout: string,
  ref: string,
  repo: string,
  tag: string = ref,
  opts: SkopeoOptions = {},
): Promise<string> {
  return skopeoPush(target, layout, ref, repo, tag, ['--format', 'v2s2'], opts);
}

/** skopeoPush copies `oci:LAYOUT:REF` (all instances) to the registry and reads the digest back. */
async function skopeoPush(
  target: Target,
  layout: string,
  ref: string,
  repo: string,
  tag: string,
  flags: string[],
  opts: SkopeoOptions,
): Promise<string> {
  await skopeo([
    'copy',
    '--quiet',
    '--all',
    ...flags,
    '--dest-tls-verify=false',
    ...credsArg('--dest-creds', opts.destCreds ?? credsOf(target)),
    ...(opts.args ?? []),
    `oci:${layout}:${ref}`,
    `docker://${hostOf(target)}/${repo}:${tag}`,
  ]);
  return skopeoDigest(target, `${repo}:${tag}`, opts.destCreds);
}

/** `skopeo inspect --raw docker://HOST/REPO:REF` — the exact manifest bytes. */
export async function skopeoInspectRaw(
  target: Target,
  repoRef: string,
  creds: Credentials | undefined = credsOf(target),
): Promise<Buffer> {
  const { stdout } = await execFileAsync(
    'skopeo',
    [
      'inspect',
      '--raw',
      '--tls-verify=false',
      ...credsArg('--creds', creds),
      `docker://${hostOf(target)}/${repoRef}`,
    ],
    { encoding: 'buffer', maxBuffer: 16 * 1024 * 1024 },
  ).catch((err: Error & { stderr?: Buffer }) => {
    throw new Error(`skopeo inspect --raw ${repoRef} failed: ${err.stderr?.toString().trim()}`);
  });
  return stdout;
}

/** sha256 of `skopeo inspect --raw`: the digest as skopeo sees it. */
export async function skopeoDigest(
  target: Target,
  repoRef: string,
  creds?: Credentials,
): Promise<string> {
  return sha256(await skopeoInspectRaw(target, repoRef, creds ?? credsOf(target)));
}

/** `skopeo copy --all --preserve-digests` between two `docker://` references (plain HTTP). */
export async function skopeoCopy(
  src: string,
  dst: string,
  opts: SkopeoOptions = {},
): Promise<void> {
  await skopeo([
    'copy',
    '--quiet',
    '--all',
    '--preserve-digests',
    '--src-tls-verify=false',
    '--dest-tls-verify=false',
    ...credsArg('--src-creds', opts.srcCreds),
    ...credsArg('--dest-creds', opts.destCreds),
    ...(opts.args ?? []),
    src,
    dst,
  ]);
}

// ---------------------------------------------------------------------------------------------
// Raw HTTP (no lib/)

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

// ---------------------------------------------------------------------------------------------
// Pushing layout content over raw HTTP (for artifacts skopeo will not copy)

interface ManifestLike {
  mediaType?: string;
  config?: LayoutDescriptor;
  layers?: LayoutDescriptor[];
  manifests?: LayoutDescriptor[];
}

/**
 * Pushes the manifest `digest` of `layout` and everything it references that the layout
 * holds (children first, blobs before manifests), byte for byte, then tags it with `tag`
 * (or pushes it by digest when `tag` is omitted). Descriptors absent from the layout (e.g.
 * a `subject`) are not followed. Returns the digest.
 */
export async function pushFromLayout(
  target: Target,
  layout: string,
  digest: string,
  repo: string,
  tag?: string,
  mediaType?: string,
): Promise<string> {
  const bytes = await readLayoutBlob(layout, digest);
  if (sha256(bytes) !== digest) throw new Error(`layout blob ${digest} does not match its digest`);
  const doc = JSON.parse(bytes.toString('utf8')) as ManifestLike;
  const type = mediaType ?? doc.mediaType ?? (doc.manifests ? OCI_INDEX : OCI_MANIFEST);
  for (const child of doc.manifests ?? []) {
    await pushFromLayout(target, layout, child.digest, repo, undefined, child.mediaType);
  }
  for (const d of [...(doc.config ? [doc.config] : []), ...(doc.layers ?? [])]) {
    await pushBlob(target, repo, { path: blobPath(layout, d.digest), digest: d.digest });
  }
  return pushManifest(target, repo, tag ?? digest, bytes, type);
}

// ---------------------------------------------------------------------------------------------
// The committed fixtures, seeded in one call each

export interface SeededBusybox {
  /** Digest of the OCI image (linux/amd64), tagged `amd64`. */
  image: string;
  /** Digest of the arm64 image, tagged `arm64`. */
  arm64: string;
  /** Digest of the OCI index over both, tagged `multiarch`. */
  index: string;
}

/** Pushes the busybox layout with skopeo: tags `amd64`, `arm64`, `multiarch` in `repo`. */
export async function seedBusybox(target: Target, repo: string): Promise<SeededBusybox> {
  const image = await pushLayout(target, BUSYBOX_LAYOUT, 'amd64', repo);
  const arm64 = await pushLayout(target, BUSYBOX_LAYOUT, 'arm64', repo);
  const index = await pushLayout(target, BUSYBOX_LAYOUT, 'multiarch', repo);
  return { image, arm64, index };
}

export interface SeededReferrers {
  /** The busybox amd64 image digest (the subject). */
  subject: string;
  /** SBOM artifact manifest digest (pushed by digest only, as referrers are). */
  sbom: string;
  /** Tag `sha256-<hex>` holding the fallback index, and that index's digest. */
  fallbackTag: string;
  fallbackIndex: string;
  /** Tag `sha256-<hex>.sig` holding the cosign-style signature, and its digest. */
  sigTag: string;
  sig: string;
}

/**
 * Pushes the busybox amd64 image (skopeo, tag `tag`) and its artifacts over raw HTTP: the
 * SBOM by digest, the tag-schema fallback index under `sha256-<hex>`, and the cosign-style
 * signature under `sha256-<hex>.sig`.
 */
export async function seedWithReferrers(
  target: Target,
  repo: string,
  tag = 'amd64',
): Promise<SeededReferrers> {
  const subject = await pushLayout(target, BUSYBOX_LAYOUT, 'amd64', repo, tag);
  const refs = await layoutRefs(ARTIFACTS_LAYOUT);
  const hex = subject.slice('sha256:'.length);
  const fallbackTag = `sha256-${hex}`;
  const sigTag = `${fallbackTag}.sig`;
  const sbomDesc = refs.sbom;
  const fallbackDesc = refs[fallbackTag];
  const sigDesc = refs[sigTag];
  if (!sbomDesc || !fallbackDesc || !sigDesc) {
    throw new Error(
      `fixtures/oci-layouts/artifacts does not match the busybox subject ${subject}; run fixtures/build.sh`,
    );
  }
  const sbom = await pushFromLayout(target, ARTIFACTS_LAYOUT, sbomDesc.digest, repo);
  const fallbackIndex = await pushFromLayout(
    target,
    ARTIFACTS_LAYOUT,
    fallbackDesc.digest,
    repo,
    fallbackTag,
  );
  const sig = await pushFromLayout(target, ARTIFACTS_LAYOUT, sigDesc.digest, repo, sigTag);
  return { subject, sbom, fallbackTag, fallbackIndex, sigTag, sig };
}
