/** skopeo: pushes OCI layouts the way a real user's tooling would, and reads digests back. */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { type Credentials, credsOf, hostOf, sha256, type Target } from './target.js';

const execFileAsync = promisify(execFile);

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
