/**
 * The files of an OCI image layout directory: `oci-layout`, `index.json` and
 * `blobs/<alg>/<hex>`. Paths are only ever built from digests that passed parseDigest
 * (lowercase hex of the exact length), never from tags or from index.json text, so no
 * reference can reach outside the layout (ollama#17178, CVE-2024-3727).
 *
 * What is at a path is checked, never assumed (confine.ts): only regular files are read,
 * and no read or write follows a symlink out of the layout.
 *
 * Writes are atomic: content goes to a temporary file in the layout first and is renamed
 * into place only once complete and verified. index.json updates are serialized within
 * the process (one queue per layout directory); two processes writing one layout at the
 * same moment can still lose an entry, as with skopeo.
 *
 * References: OCI image-spec v1.1.0 image-layout.md, annotations.md
 * (`org.opencontainers.image.ref.name`).
 */
import { randomUUID } from 'node:crypto';
import { type FileHandle, mkdir, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { algorithmOf, type Digest, hexOf, parseDigest } from '../digest.js';
import {
  ManifestInvalidError,
  ManifestTooLargeError,
  NotFoundError,
  UsageError,
} from '../errors.js';
import { type Descriptor, parseDescriptor } from '../manifest.js';
import { OCI_INDEX } from '../media-types.js';
import { openInside, readSmall, realInside } from './confine.js';

/** The annotation that names an index.json entry (the layout's "tag"). */
export const REF_NAME = 'org.opencontainers.image.ref.name';
/** The layout version this tool writes; any 1.x version is read. */
export const IMAGE_LAYOUT_VERSION = '1.0.0';
/** The largest index.json read (about 60 000 entries). */
export const MAX_INDEX_BYTES = 16 * 1024 * 1024;
/** The largest `oci-layout` file read (it holds one short JSON object). */
const MAX_OCI_LAYOUT_BYTES = 64 * 1024;

/** IndexEntry is one descriptor of index.json, with its JSON as found (unknown fields kept). */
export interface IndexEntry {
  readonly raw: Record<string, unknown>;
  readonly desc: Descriptor;
  /** The `org.opencontainers.image.ref.name` annotation, when set. */
  readonly refName: string | undefined;
}

/** IndexFile is index.json: its other top-level fields (kept on rewrite) and its entries. */
export interface IndexFile {
  readonly top: Record<string, unknown>;
  readonly entries: IndexEntry[];
}

/** queues serializes index.json updates per layout directory, across stores of one process. */
const queues = new Map<string, Promise<unknown>>();

function serialize<T>(key: string, task: () => Promise<T>): Promise<T> {
  const previous = queues.get(key) ?? Promise.resolve();
  const run = previous.then(task, task);
  const tail = run.then(
    () => undefined,
    () => undefined,
  );
  queues.set(key, tail);
  void tail.then(() => {
    if (queues.get(key) === tail) queues.delete(key);
  });
  return run;
}

/** isMissing tells whether a file system error means "there is nothing there". */
export function isMissing(e: unknown): boolean {
  const code = (e as { code?: unknown }).code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

/** layoutNotFound builds the NotFoundError of content a layout does not hold. */
export function layoutNotFound(where: string, message: string): NotFoundError {
  return new NotFoundError({ url: where, message });
}

/**
 * LayoutFiles reads and writes the files of one layout. `exists` is false for a
 * destination that is yet to be created: reads find nothing, and the first write creates
 * the directory, `oci-layout`, `blobs/` and `index.json`.
 */
export class LayoutFiles {
  #created: Promise<void> | undefined;

  constructor(
    /** Absolute path of the layout directory. */
    readonly root: string,
    exists: boolean,
  ) {
    if (exists) this.#created = Promise.resolve();
  }

  /** Where the layout is, as users write it: `oci-layout:<path>`. */
  get where(): string {
    return `oci-layout:${this.root}`;
  }

  /**
   * blobPath is `blobs/<alg>/<hex>` of a digest. The digest is validated again here, at
   * the one place paths are made, whatever type the caller claimed it had.
   */
  blobPath(digest: Digest | string): string {
    const d = parseDigest(digest);
    return join(this.root, 'blobs', algorithmOf(d), hexOf(d));
  }

  /** tempPath names a fresh temporary file in `blobs/` (same file system as the blobs). */
  tempPath(): string {
    return join(this.root, 'blobs', `.oci-promote-${randomUUID()}.tmp`);
  }

  /**
   * statBlob returns the size of a blob file, or undefined when there is none (or something
   * else than a file is there: a write replaces it, a read refuses it).
   */
  async statBlob(digest: Digest): Promise<number | undefined> {
    const real = await realInside(this.root, this.blobPath(digest));
    if (real === undefined) return undefined;
    try {
      const s = await stat(real);
      return s.isFile() ? s.size : undefined;
    } catch (e) {
      if (isMissing(e)) return undefined;
      throw e;
    }
  }

  /** openBlob opens a blob file for reading (a regular file inside the layout), or undefined. */
  openBlob(digest: Digest | string): Promise<FileHandle | undefined> {
    return openInside(this.root, this.blobPath(digest));
  }

  /**
   * blobDir creates the layout and `blobs/<alg>/` for a write, and makes sure neither
   * `blobs/` nor `blobs/<alg>/` leads out of the layout, where the temporary file and the
   * rename would otherwise write.
   */
  async blobDir(digest: Digest | string): Promise<void> {
    const blobs = join(this.root, 'blobs');
    await this.ensureCreated();
    // One level at a time, each checked before the next is made inside it.
    for (const dir of [blobs, join(blobs, algorithmOf(parseDigest(digest)))]) {
      await mkdir(dir).catch((e: unknown) => {
        if ((e as { code?: unknown }).code !== 'EEXIST') throw e;
      });
      await realInside(this.root, dir);
    }
  }

  /**
   * readBlob reads a small blob (a manifest) whole, or undefined when absent. A file over
   * `limit` bytes is refused before it is read.
   */
  async readBlob(digest: Digest, limit: number): Promise<Buffer | undefined> {
    const fh = await this.openBlob(digest);
    if (fh === undefined) return undefined;
    try {
      return await readSmall(
        fh,
        limit,
        (size) =>
          new ManifestTooLargeError(
            `${this.where}: ${digest} is ${size} bytes, over the ${limit}-byte manifest limit`,
          ),
      );
    } finally {
      await fh.close();
    }
  }

  /**
   * writeBlob stores bytes (already verified by the caller) under their digest: a
   * temporary file, flushed, then renamed into place. Nothing is written when the blob is
   * already there.
   */
  async writeBlob(digest: Digest, bytes: Uint8Array, signal?: AbortSignal): Promise<boolean> {
    const path = this.blobPath(digest);
    if ((await this.statBlob(digest)) === bytes.byteLength) return false;
    await this.blobDir(digest);
    const tmp = this.tempPath();
    try {
      await writeFile(tmp, bytes, { flag: 'wx', flush: true, ...(signal && { signal }) });
      await rename(tmp, path);
    } catch (e) {
      await rm(tmp, { force: true });
      throw e;
    }
    return true;
  }

  /** readIndex reads and validates index.json; a layout not created yet has no entries. */
  async readIndex(): Promise<IndexFile> {
    const fh = await openInside(this.root, join(this.root, 'index.json'));
    // A layout whose creation was interrupted after `oci-layout` has no index.json yet.
    if (fh === undefined) return { top: { schemaVersion: 2, mediaType: OCI_INDEX }, entries: [] };
    let text: Buffer;
    try {
      text = await readSmall(
        fh,
        MAX_INDEX_BYTES,
        (size) =>
          new ManifestTooLargeError(
            `${this.where}: index.json is ${size} bytes, over the ${MAX_INDEX_BYTES}-byte limit`,
          ),
      );
    } finally {
      await fh.close();
    }
    return parseIndexFile(text, this.where);
  }

  /**
   * updateIndex runs `change` on the current index.json, one update at a time per
   * layout, and writes the result atomically when `change` returns true.
   */
  updateIndex<T>(change: (index: IndexFile) => Promise<T | false>): Promise<T | false> {
    return serialize(this.root, async () => {
      const index = await this.readIndex();
      const result = await change(index);
      if (result === false) return false;
      await this.ensureCreated();
      await this.#writeIndex(index);
      return result;
    });
  }

  async #writeIndex(index: IndexFile): Promise<void> {
    const doc = { ...index.top, manifests: index.entries.map((e) => e.raw) };
    const tmp = join(this.root, `.index.json-${randomUUID()}.tmp`);
    try {
      await writeFile(tmp, JSON.stringify(doc), { flag: 'wx', flush: true });
      await rename(tmp, join(this.root, 'index.json'));
    } catch (e) {
      await rm(tmp, { force: true });
      throw e;
    }
  }

  /** ensureCreated creates a destination layout on its first write (once). */
  ensureCreated(): Promise<void> {
    this.#created ??= this.#create().catch((e: unknown) => {
      this.#created = undefined;
      throw e;
    });
    return this.#created;
  }

  async #create(): Promise<void> {
    // Order matters for a crash part-way: once `oci-layout` exists the directory is a
    // layout (a missing index.json reads as empty), so it is written first.
    await mkdir(this.root, { recursive: true });
    await writeIfAbsent(
      join(this.root, 'oci-layout'),
      JSON.stringify({ imageLayoutVersion: IMAGE_LAYOUT_VERSION }),
    );
    await mkdir(join(this.root, 'blobs', 'sha256'), { recursive: true });
    await writeIfAbsent(
      join(this.root, 'index.json'),
      JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: [] }),
    );
  }
}

async function writeIfAbsent(path: string, text: string): Promise<void> {
  try {
    await writeFile(path, text, { flag: 'wx', flush: true });
  } catch (e) {
    if ((e as { code?: unknown }).code !== 'EEXIST') throw e;
  }
}

/**
 * probeLayout looks at a directory: 'layout' (it has a valid `oci-layout` file), 'absent'
 * (it does not exist, or is empty: a destination may be created there). Anything else is
 * refused with a UsageError naming the problem.
 */
export async function probeLayout(root: string): Promise<'layout' | 'absent'> {
  let entries: string[];
  try {
    entries = await readdir(root);
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    if (code === 'ENOENT') return 'absent';
    // ENOTDIR: the path, or a parent of it, is a file.
    if (code === 'ENOTDIR') throw new UsageError(`oci-layout:${root} is not a directory`);
    throw e;
  }
  if (entries.length === 0) return 'absent';
  if (!entries.includes('oci-layout')) {
    throw new UsageError(
      `oci-layout:${root} is not an OCI image layout (no oci-layout file) and not empty; name a new or empty directory, or an existing layout`,
    );
  }
  // A FIFO or an outside symlink here is refused (UnsafeLayoutError), not reported as unreadable.
  const fh = await openInside(root, join(root, 'oci-layout'));
  let version: unknown;
  try {
    if (fh === undefined) throw new Error('it vanished');
    const text = await readSmall(
      fh,
      MAX_OCI_LAYOUT_BYTES,
      (size) => new Error(`${size} bytes, over the ${MAX_OCI_LAYOUT_BYTES}-byte limit`),
    );
    version = (JSON.parse(text.toString('utf8')) as { imageLayoutVersion?: unknown })
      .imageLayoutVersion;
  } catch (e) {
    throw new UsageError(
      `oci-layout:${root}: the oci-layout file is unreadable: ${(e as Error).message}`,
    );
  } finally {
    await fh?.close();
  }
  if (typeof version !== 'string' || !/^1\.\d+\.\d+$/.test(version)) {
    throw new UsageError(
      `oci-layout:${root}: unsupported imageLayoutVersion ${JSON.stringify(version)} (this tool reads 1.x)`,
    );
  }
  return 'layout';
}

/** parseIndexFile validates index.json; every entry's digest is checked before any use. */
export function parseIndexFile(text: Uint8Array, where: string): IndexFile {
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(text).toString('utf8'));
  } catch (e) {
    throw new ManifestInvalidError(`${where}: index.json is not JSON: ${(e as Error).message}`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new ManifestInvalidError(`${where}: index.json is not a JSON object`);
  }
  const top = json as Record<string, unknown>;
  const manifests = top.manifests ?? [];
  if (!Array.isArray(manifests)) {
    throw new ManifestInvalidError(`${where}: index.json has no "manifests" array`);
  }
  const entries = manifests.map((raw: unknown, i): IndexEntry => {
    const desc = parseDescriptor(raw, `${where} index.json manifests[${i}]`);
    const refName = desc.annotations?.[REF_NAME];
    return { raw: raw as Record<string, unknown>, desc, refName };
  });
  return { top, entries };
}

/** tagEntry builds the index.json entry naming `desc` with `tag`. */
export function tagEntry(desc: Descriptor, tag: string | undefined): IndexEntry {
  const raw: Record<string, unknown> = {
    mediaType: desc.mediaType,
    digest: desc.digest,
    size: desc.size,
    ...(desc.artifactType !== undefined && { artifactType: desc.artifactType }),
    ...(tag !== undefined && { annotations: { [REF_NAME]: tag } }),
  };
  return {
    raw,
    desc: { ...desc, ...(tag !== undefined && { annotations: { [REF_NAME]: tag } }) },
    refName: tag,
  };
}

/**
 * setTag points `tag` at `entry` in place: the first entry with that ref name is
 * replaced (order kept), any others with it are dropped, and so are entries without a
 * ref name for the same digest (the tag now keeps it reachable). False when nothing changed.
 */
export function setTag(index: IndexFile, tag: string, entry: IndexEntry): boolean {
  const before = index.entries.length;
  const kept = index.entries.filter(
    (e) => !(e.refName === undefined && e.desc.digest === entry.desc.digest),
  );
  const at = kept.findIndex((e) => e.refName === tag);
  if (
    at >= 0 &&
    sameEntry(kept[at]!, entry) &&
    kept.filter((e) => e.refName === tag).length === 1
  ) {
    if (kept.length === before) return false;
  } else if (at < 0) {
    kept.push(entry);
  } else {
    kept[at] = entry;
  }
  const result = kept.filter((e, i) => e.refName !== tag || i === (at < 0 ? kept.length - 1 : at));
  index.entries.splice(0, index.entries.length, ...result);
  return true;
}

function sameEntry(a: IndexEntry, b: IndexEntry): boolean {
  return (
    a.desc.digest === b.desc.digest &&
    a.desc.mediaType === b.desc.mediaType &&
    a.desc.size === b.desc.size
  );
}

/** findTag returns the one entry named `tag`; several naming different digests are refused. */
export function findTag(index: IndexFile, tag: string, where: string): IndexEntry | undefined {
  const found = index.entries.filter((e) => e.refName === tag);
  if (found.length > 1 && found.some((e) => e.desc.digest !== found[0]!.desc.digest)) {
    throw new ManifestInvalidError(
      `${where}: index.json names ${found.length} different manifests ${JSON.stringify(tag)}; remove the extra entries`,
    );
  }
  return found[0];
}
