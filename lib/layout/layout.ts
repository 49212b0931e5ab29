/**
 * OciLayout: a ContentStore (lib/content) over an OCI image layout directory, so the copy
 * engine copies registry → layout, layout → registry and layout → layout exactly as it
 * copies between registries. Layouts carry images into air-gapped networks and hold test fixtures on
 * disk; skopeo's `oci:` transport, umoci and oras read and write the same directories.
 *
 * References: OCI image-spec v1.1.0 image-layout.md.
 */
import { realpath } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { ContentStore } from '../content/store.js';
import type { Digest } from '../digest.js';
import { UsageError } from '../errors.js';
import type { Descriptor } from '../manifest.js';
import { LayoutBlobs } from './blobs.js';
import { isMissing, LayoutFiles, layoutNotFound, probeLayout, tagEntry } from './files.js';
import { formatLocation } from './location.js';
import { LayoutManifests } from './manifests.js';
import { LayoutReferrers } from './referrers.js';

/** OpenLayoutOptions says how a layout directory is opened. */
export interface OpenLayoutOptions {
  /**
   * Open as a destination: a directory that does not exist (or is empty) is accepted and
   * created, with `oci-layout` and `index.json`, on the first write — a dry run creates
   * nothing. Without it, the layout must exist.
   */
  create?: boolean;
}

/**
 * openLayout opens the OCI image layout at `path` (relative paths resolve against the
 * working directory). A directory that is neither a layout nor empty is refused
 * (UsageError); a missing one is NotFoundError unless `create` is set.
 */
export async function openLayout(
  path: string,
  options: OpenLayoutOptions = {},
): Promise<OciLayout> {
  if (path.length === 0) throw new UsageError('an OCI layout path must not be empty');
  let root = resolve(path);
  try {
    root = await realpath(root);
  } catch (e) {
    if (!isMissing(e)) throw e;
  }
  const state = await probeLayout(root);
  if (state === 'absent' && !options.create) {
    throw layoutNotFound(
      `oci-layout:${root}`,
      `oci-layout:${root} does not exist or is empty: there is no OCI image layout to read`,
    );
  }
  return new OciLayout(root, state === 'layout');
}

/** OciLayout is one OCI image layout directory seen as a ContentStore. */
export class OciLayout implements ContentStore {
  readonly blobs: LayoutBlobs;
  readonly manifests: LayoutManifests;
  readonly referrers: LayoutReferrers;
  /** A layout holds one repository; it has no name of its own. */
  readonly name = '';
  readonly #files: LayoutFiles;

  /** Use openLayout: it checks the directory first. */
  constructor(
    /** Absolute path of the layout directory. */
    readonly path: string,
    exists: boolean,
  ) {
    this.#files = new LayoutFiles(path, exists);
    this.blobs = new LayoutBlobs(this.#files);
    this.manifests = new LayoutManifests(this.#files);
    this.referrers = new LayoutReferrers(this.#files);
  }

  /** `oci-layout:<path>`: two stores are "the same registry" only for the same directory. */
  get registry(): string {
    return this.#files.where;
  }

  /** listTags returns the ref names of index.json, each once, in index order. */
  async listTags(_signal?: AbortSignal): Promise<string[]> {
    const index = await this.#files.readIndex();
    const names = index.entries.map((e) => e.refName).filter((n) => n !== undefined);
    return [...new Set(names)];
  }

  /**
   * entries returns index.json's descriptors (ref names are in their annotations). A
   * layout that is still to be created has none.
   */
  async entries(): Promise<Descriptor[]> {
    return (await this.#files.readIndex()).entries.map((e) => e.desc);
  }

  /**
   * keepUntagged lists a manifest in index.json without a ref name (what skopeo writes
   * for `oci:<dir>` without a tag), so a copy by digest stays reachable for other tools
   * and safe from garbage collection. Nothing is written when index.json already lists
   * the digest, tagged or not. The manifest must be in the layout already.
   */
  async keepUntagged(desc: Descriptor): Promise<boolean> {
    await this.manifests.get(desc.digest);
    const entry = tagEntry(
      {
        mediaType: desc.mediaType,
        digest: desc.digest,
        size: desc.size,
        ...(desc.artifactType !== undefined && { artifactType: desc.artifactType }),
      },
      undefined,
    );
    const added = await this.#files.updateIndex(async (index) => {
      if (index.entries.some((e) => e.desc.digest === desc.digest)) return false;
      index.entries.push(entry);
      return true;
    });
    return added === true;
  }

  /**
   * soleManifest returns the one manifest index.json lists, for a source named without
   * tag or digest (skopeo's rule for `oci:<dir>`); with none or several it says which.
   */
  async soleManifest(): Promise<Descriptor> {
    const entries = await this.entries();
    if (entries.length === 1) return entries[0]!;
    const tags = await this.listTags();
    throw new UsageError(
      entries.length === 0
        ? `${this} lists no manifest in index.json`
        : `${this} lists ${entries.length} manifests; name one as ${this}:<tag> or ${this}@<digest>${tags.length ? ` (tags: ${tags.slice(0, 10).join(', ')}${tags.length > 10 ? ', …' : ''})` : ''}`,
    );
  }

  /** describe renders `oci-layout:PATH[:tag][@digest]`. */
  describe(tag?: string, digest?: Digest): string {
    return formatLocation({
      kind: 'layout',
      path: this.path,
      ...(tag !== undefined && { tag }),
      ...(digest !== undefined && { digest }),
    });
  }

  toString(): string {
    return this.#files.where;
  }
}
