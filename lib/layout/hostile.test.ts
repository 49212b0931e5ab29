// Hostile layout directories: a FIFO where a file should be must fail at once, not block
// the process (open of a FIFO waits for a writer), and a symlink that leaves the layout is
// refused, so neither a read nor a write reaches outside the directory named.
// Each test that could block has a short timeout: a regression fails fast, it does not hang.
import { execFileSync } from 'node:child_process';
import { constants } from 'node:fs';
import {
  cp,
  mkdir,
  mkdtemp,
  open,
  readdir,
  readFile,
  rm,
  symlink,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { copyStores } from '../copy/index.js';
import type { Digest } from '../digest.js';
import { UnsafeLayoutError } from '../errors.js';
import { openLayout } from './layout.js';

const BUSYBOX = join(import.meta.dirname, '..', '..', 'fixtures', 'oci-layouts', 'busybox');
const AMD64 = 'sha256:dc196c880f8938af68ca972050b1ac83730c576652c3719589afe13ac58d5372' as Digest;
const LAYER = 'sha256:272b0a91b9fcb32393b776bf4ab0cb2ce614aea640a875716c2b0045f364d1cd' as Digest;
const hex = (d: string) => d.slice('sha256:'.length);
/** A test that could block gets this long before tap fails it. */
const quick = { timeout: 15_000 };

async function tempDir(t: Test): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'oci-layout-hostile-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

async function fixtureCopy(t: Test): Promise<string> {
  const dir = join(await tempDir(t), 'layout');
  await cp(BUSYBOX, dir, { recursive: true });
  return dir;
}

/**
 * mkfifo replaces `path` with a named pipe no one writes to. A regression would block in
 * open() until a writer comes; one comes by every 2 s (opens and closes at once), so such a
 * read sees an empty file and fails its assertions in seconds instead of holding libuv
 * threads (four of them stall the whole file) until the file's timeout.
 */
async function mkfifo(t: Test, path: string): Promise<void> {
  await rm(path, { force: true });
  execFileSync('mkfifo', [path]);
  const release = async () => {
    const writer = await open(path, constants.O_WRONLY | constants.O_NONBLOCK).catch(() => null);
    await writer?.close();
  };
  const timer = setInterval(release, 2000);
  t.teardown(() => clearInterval(timer));
}

const unsafe = (what: RegExp) => ({ code: 'ERR_UNSAFE_LAYOUT', category: 'usage', message: what });

t.test('a FIFO at oci-layout fails at once', quick, async (t) => {
  const dir = await fixtureCopy(t);
  await mkfifo(t, join(dir, 'oci-layout'));
  await t.rejects(openLayout(dir), unsafe(/oci-layout is not a regular file/));
  await t.rejects(openLayout(dir, { create: true }), UnsafeLayoutError, 'as a destination too');
});

t.test('a FIFO at index.json fails at once', quick, async (t) => {
  const dir = await fixtureCopy(t);
  await mkfifo(t, join(dir, 'index.json'));
  const layout = await openLayout(dir);
  await t.rejects(layout.listTags(), unsafe(/index\.json is not a regular file/));
  await t.rejects(layout.manifests.get('amd64'), UnsafeLayoutError);
});

t.test('a FIFO at a manifest blob fails at once', quick, async (t) => {
  const dir = await fixtureCopy(t);
  await mkfifo(t, join(dir, 'blobs', 'sha256', hex(AMD64)));
  const layout = await openLayout(dir);
  await t.rejects(layout.manifests.get(AMD64), unsafe(/is not a regular file/));
  const dst = await openLayout(join(await tempDir(t), 'dst'), { create: true });
  await t.rejects(
    copyStores({ store: layout, tag: 'amd64' }, { store: dst, tag: 'v1' }),
    UnsafeLayoutError,
    'a copy out of it fails too',
  );
});

t.test('a FIFO at a layer blob fails at once', quick, async (t) => {
  const dir = await fixtureCopy(t);
  await mkfifo(t, join(dir, 'blobs', 'sha256', hex(LAYER)));
  const layout = await openLayout(dir);
  const { manifest } = await layout.manifests.get(AMD64);
  const layer = manifest.kind === 'image' ? manifest.layers[0] : undefined;
  t.equal(layer?.digest, LAYER);
  await t.rejects(
    layout.blobs.get({ mediaType: 'x', digest: LAYER, size: layer?.size ?? 0 }),
    unsafe(/is not a regular file/),
  );
});

t.test('a source symlink that leaves the layout is refused; one inside is read', async (t) => {
  const base = await tempDir(t);
  const dir = await fixtureCopy(t);
  // index.json pointing at a file outside: its text must not surface in an error.
  const secret = join(base, 'secret.txt');
  await writeFile(secret, 'root:SECRET-HASH:0:0');
  await rm(join(dir, 'index.json'));
  await symlink(secret, join(dir, 'index.json'));
  const layout = await openLayout(dir);
  const e = await layout.listTags().then(
    () => undefined,
    (err: unknown) => err as Error,
  );
  t.match(e, unsafe(/index\.json leads to .* outside the layout/));
  t.notMatch(e?.message ?? '', /SECRET/, 'the outside file is not read');

  // A blob that is a symlink out of the layout, to a copy of itself: still refused.
  const other = await fixtureCopy(t);
  const outside = join(base, 'amd64');
  await cp(join(other, 'blobs', 'sha256', hex(AMD64)), outside);
  await rm(join(other, 'blobs', 'sha256', hex(AMD64)));
  await symlink(outside, join(other, 'blobs', 'sha256', hex(AMD64)));
  const out = await openLayout(other);
  await t.rejects(out.manifests.get(AMD64), unsafe(/outside the layout/));
  await t.rejects(out.blobs.stat(AMD64), UnsafeLayoutError, 'stat refuses it too');

  // A symlink within the layout is no escape: it is followed.
  const inside = await fixtureCopy(t);
  await mkdir(join(inside, 'elsewhere'));
  const target = join(inside, 'elsewhere', 'amd64');
  await cp(join(inside, 'blobs', 'sha256', hex(AMD64)), target);
  await rm(join(inside, 'blobs', 'sha256', hex(AMD64)));
  await symlink('../../elsewhere/amd64', join(inside, 'blobs', 'sha256', hex(AMD64)));
  const ok = await openLayout(inside);
  t.equal(
    (await ok.manifests.get(AMD64)).descriptor.digest,
    AMD64,
    'read through a symlink inside',
  );
});

for (const link of ['blobs', 'blobs/sha256']) {
  t.test(`a destination whose ${link} is a symlink out of it is never written`, async (t) => {
    const base = await tempDir(t);
    const elsewhere = join(base, 'elsewhere');
    await mkdir(elsewhere);
    const dst = join(base, 'dst');
    await mkdir(join(dst, 'blobs', 'sha256'), { recursive: true });
    await writeFile(join(dst, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
    await writeFile(join(dst, 'index.json'), '{"schemaVersion":2,"manifests":[]}');
    await rm(join(dst, link), { recursive: true });
    await symlink(elsewhere, join(dst, link));
    const src = await openLayout(BUSYBOX);
    const to = await openLayout(dst);
    await t.rejects(
      copyStores({ store: src, tag: 'multiarch' }, { store: to, tag: 'v1' }),
      unsafe(new RegExp(`${link.replace('/', '\\/')} leads to .* outside the layout`)),
    );
    t.same(await readdir(elsewhere), [], 'nothing was written outside the layout');
    t.match(await readFile(join(dst, 'index.json'), 'utf8'), /"manifests":\[\]/, 'no tag');
  });
}
