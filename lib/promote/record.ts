/**
 * History records: each promotion or rollback is written to the production repository
 * as a small OCI artifact whose `subject` is the image it concerns, so it is also a
 * referrer of that image, under a journal tag of its own (journal.ts). The JSON document
 * in its one layer is the full record; the manifest and the ledger descriptor pointing at
 * it carry the same facts as annotations, so `history` reads one index (the cache) plus
 * the few records it does not list yet, instead of every record.
 *
 * Reference: OCI image-spec v1.1.0 manifest.md "Guidelines for Artifact Usage".
 */
import { buffer } from 'node:stream/consumers';
import type { ContentStore, PutResult } from '../content/store.js';
import { type Digest, digestOf, isDigest } from '../digest.js';
import { isOciPromoteError, NotFoundError, RegistryError } from '../errors.js';
import type { Descriptor } from '../manifest.js';
import { OCI_EMPTY, OCI_MANIFEST } from '../media-types.js';
import { referrerDescriptor } from '../registry/referrers.js';
import type { Repository } from '../registry/repository.js';
import { sleep } from '../transport/retry.js';
import { journalTag } from './journal.js';
import { tagChangesOf } from './tag-changes.js';
import type { HistoryAction, Provenance, TagChange } from './types.js';

/** RECORD_ARTIFACT_TYPE marks history records (artifactType and layer media type). */
export const RECORD_ARTIFACT_TYPE = 'application/vnd.oci-promote.record.v1+json';

/** Annotation keys on records and ledger entries. */
export const ANNOTATION = {
  action: 'dev.oci-promote.action',
  digest: 'dev.oci-promote.digest',
  tags: 'dev.oci-promote.tags',
  source: 'dev.oci-promote.source',
  actor: 'dev.oci-promote.actor',
  runUrl: 'dev.oci-promote.run-url',
  created: 'org.opencontainers.image.created',
} as const;

/** RecordBody is the JSON document a record stores. */
export interface RecordBody {
  version: 1;
  action: HistoryAction;
  time: string;
  repository: string;
  /** The digest the tags point to after this action. */
  digest: Digest;
  /** Promotion source (reference with digest), null for rollbacks. */
  source: string | null;
  tags: TagChange[];
  actor: string | null;
  runUrl: string | null;
  tool: string;
}

const EMPTY_JSON = Buffer.from('{}');
const emptyDescriptor: Descriptor = { mediaType: OCI_EMPTY, digest: digestOf(EMPTY_JSON), size: 2 };

/** recordBody assembles a record document. */
export function recordBody(init: {
  action: HistoryAction;
  repository: string;
  digest: Digest;
  source: string | null;
  tags: TagChange[];
  provenance?: Provenance;
  time?: Date;
  tool: string;
}): RecordBody {
  return {
    version: 1,
    action: init.action,
    time: (init.time ?? new Date()).toISOString(),
    repository: init.repository,
    digest: init.digest,
    source: init.source,
    tags: init.tags,
    actor: init.provenance?.actor ?? null,
    runUrl: init.provenance?.runUrl ?? null,
    tool: init.tool,
  };
}

/** recordAnnotations renders a record's facts as annotations (values are strings). */
export function recordAnnotations(body: RecordBody): Record<string, string> {
  const a: Record<string, string> = {
    [ANNOTATION.created]: body.time,
    [ANNOTATION.action]: body.action,
    [ANNOTATION.digest]: body.digest,
    [ANNOTATION.tags]: JSON.stringify(body.tags),
  };
  if (body.source !== null) a[ANNOTATION.source] = body.source;
  if (body.actor !== null) a[ANNOTATION.actor] = body.actor;
  if (body.runUrl !== null) a[ANNOTATION.runUrl] = body.runUrl;
  return a;
}

/** DROPPED_ARTIFACT_TYPE marks a prune's list of the records it dropped (journal.ts). */
export const DROPPED_ARTIFACT_TYPE = 'application/vnd.oci-promote.dropped.v1+json';
/** DROPPED_ANNOTATION holds that list: a JSON array of record digests. */
export const DROPPED_ANNOTATION = 'dev.oci-promote.dropped';

/**
 * pushRecord writes a record into `repo` as an artifact with `subject` set, under its
 * journal tag, makes it findable as a referrer (updating the tag-schema index on
 * registries without the referrers API), and returns the descriptor to list in the ledger.
 */
export async function pushRecord(
  repo: Repository,
  subject: Descriptor,
  body: RecordBody,
  signal?: AbortSignal,
): Promise<Descriptor> {
  const bytes = Buffer.from(JSON.stringify(body));
  const layer: Descriptor = {
    mediaType: RECORD_ARTIFACT_TYPE,
    digest: digestOf(bytes),
    size: bytes.byteLength,
  };
  const annotations = recordAnnotations(body);
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      artifactType: RECORD_ARTIFACT_TYPE,
      config: emptyDescriptor,
      layers: [layer],
      subject: { mediaType: subject.mediaType, digest: subject.digest, size: subject.size },
      annotations,
    }),
  );
  const desc: Descriptor = {
    mediaType: OCI_MANIFEST,
    digest: digestOf(manifest),
    size: manifest.byteLength,
  };
  // By its own tag: no writer can overwrite it, and a reader finds it in the tag list.
  const tag = journalTag(new Date(body.time), desc.digest);
  const put = await putArtifact(
    repo,
    tag,
    manifest,
    [
      [emptyDescriptor, EMPTY_JSON],
      [layer, bytes],
    ],
    signal,
  );
  const listed = referrerDescriptor(desc, {
    kind: 'image',
    mediaType: OCI_MANIFEST,
    artifactType: RECORD_ARTIFACT_TYPE,
    config: emptyDescriptor,
    layers: [layer],
    annotations,
  });
  if (!put.subjectIndexed && repo.referrers.api !== true) {
    await repo.referrers.addToTagIndex(subject.digest, listed, signal);
  }
  return listed;
}

/**
 * pushDropList writes, under a journal tag of its own, the list of records a prune dropped
 * from the ledger, so no reader brings them back from their journal tags (which stay
 * where the registry cannot delete). Returns the descriptor to list in the ledger.
 */
export async function pushDropList(
  repo: Repository,
  dropped: readonly Digest[],
  time: Date = new Date(),
  signal?: AbortSignal,
): Promise<Descriptor> {
  const annotations = {
    [ANNOTATION.created]: time.toISOString(),
    [DROPPED_ANNOTATION]: JSON.stringify(dropped),
  };
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      artifactType: DROPPED_ARTIFACT_TYPE,
      config: emptyDescriptor,
      layers: [emptyDescriptor],
      annotations,
    }),
  );
  const digest = digestOf(manifest);
  await putArtifact(
    repo,
    journalTag(time, digest),
    manifest,
    [[emptyDescriptor, EMPTY_JSON]],
    signal,
  );
  return {
    mediaType: OCI_MANIFEST,
    digest,
    size: manifest.byteLength,
    artifactType: DROPPED_ARTIFACT_TYPE,
    annotations,
  };
}

/** droppedBy reads a drop list's digests; anything that is not a digest is left out. */
export function droppedBy(list: Descriptor): Digest[] {
  let v: unknown;
  try {
    v = JSON.parse(list.annotations?.[DROPPED_ANNOTATION] ?? '[]');
  } catch {
    return [];
  }
  return Array.isArray(v) ? v.filter((d): d is Digest => typeof d === 'string' && isDigest(d)) : [];
}

/** Manifest PUTs of a small artifact before it gives up on a registry's blob race. */
const ARTIFACT_PUT_ATTEMPTS = 3;

/**
 * putArtifact makes sure the artifact's blobs are in the repository and pushes its
 * manifest under `tag`. Writers that push the same blob into one repository at once
 * (every record shares the empty config) race inside distribution: each commit rewrites
 * the repository's link file to the blob, and a manifest PUT that reads the link midway
 * is answered 400 MANIFEST_BLOB_UNKNOWN / DIGEST_INVALID. Such an answer is worth a new
 * attempt after a short pause (only then: an uncontended push never waits).
 */
async function putArtifact(
  repo: Repository,
  tag: string,
  manifest: Buffer,
  blobs: readonly (readonly [Descriptor, Buffer])[],
  signal?: AbortSignal,
): Promise<PutResult> {
  for (let attempt = 1; ; attempt++) {
    await Promise.all(
      blobs.map(async ([desc, bytes]) => {
        if (!(await repo.blobs.stat(desc.digest, signal))) {
          await repo.blobs.upload(desc, bytes, signal);
        }
      }),
    );
    try {
      return await repo.manifests.put(tag, manifest, OCI_MANIFEST, signal);
    } catch (e) {
      const race =
        e instanceof RegistryError &&
        e.status === 400 &&
        (e.hasCode('MANIFEST_BLOB_UNKNOWN') || e.hasCode('DIGEST_INVALID'));
      if (!race || attempt >= ARTIFACT_PUT_ATTEMPTS) throw e;
      await sleep(50 + Math.random() * 100, signal);
    }
  }
}

/** The largest record body read back (ours are well under 2 KiB). */
const MAX_RECORD_BODY = 64 * 1024;

/** VerifiedRecord is a ledger entry that matches the record artifact it points to. */
export interface VerifiedRecord {
  /** The ledger's descriptor of the record manifest. */
  readonly descriptor: Descriptor;
  /** The image the record speaks of, as the record manifest names it. */
  readonly subject: Descriptor;
  readonly body: RecordBody;
}

/** RecordCheck is the verdict on one ledger entry. */
export type RecordCheck = { ok: true; record: VerifiedRecord } | { ok: false; reason: string };

/**
 * checkRecord tells whether a ledger entry is one of our records: the manifest it names
 * hashes to its digest, is a record artifact (artifactType, one record layer, a subject),
 * and its annotations, its body and the ledger's annotations all say the same. Anyone with
 * push access can write a ledger, so nothing that deletes or rolls back trusts one without
 * this. A forged or damaged entry is a verdict, not an error; registry failures throw.
 */
export async function checkRecord(
  repo: ContentStore,
  listed: Descriptor,
  signal?: AbortSignal,
): Promise<RecordCheck> {
  const not = (why: string): RecordCheck => ({
    ok: false,
    reason: `ledger entry ${listed.digest} is not a record oci-promote wrote: ${why}`,
  });
  if (listed.artifactType !== RECORD_ARTIFACT_TYPE || listed.mediaType !== OCI_MANIFEST) {
    return not('the ledger lists it with another type');
  }
  const fetched = await unlessGone(() => repo.manifests.get(listed.digest, signal));
  if (typeof fetched === 'string') return not(fetched);
  const m = fetched.manifest;
  const layer = m.kind === 'image' && m.layers.length === 1 ? m.layers[0] : undefined;
  if (m.artifactType !== RECORD_ARTIFACT_TYPE || layer?.mediaType !== RECORD_ARTIFACT_TYPE) {
    return not(`it is not a record artifact (${RECORD_ARTIFACT_TYPE})`);
  }
  if (!m.subject) return not('it has no subject');
  if (layer.size > MAX_RECORD_BODY) return not(`its body is ${layer.size} bytes`);
  const bytes = await unlessGone(async () => buffer(await repo.blobs.get(layer, signal)));
  if (typeof bytes === 'string') return not(`its body: ${bytes}`);
  const body = parseRecordBody(bytes);
  if (!body) return not('its body is not a record document');
  if (body.digest !== m.subject.digest) return not('its body names another image than its subject');
  const expected = recordAnnotations(body);
  for (const key of Object.values(ANNOTATION)) {
    if (m.annotations?.[key] !== expected[key] || listed.annotations?.[key] !== expected[key]) {
      return not(`its ${key} annotation disagrees with its body`);
    }
  }
  return { ok: true, record: { descriptor: listed, subject: m.subject, body } };
}

/** unlessGone runs a read; absent or damaged content becomes a reason, the rest throws. */
async function unlessGone<T>(read: () => Promise<T>): Promise<T | string> {
  try {
    return await read();
  } catch (e) {
    if (e instanceof NotFoundError) return 'not found';
    if (isOciPromoteError(e) && e.category === 'integrity') return e.message;
    throw e;
  }
}

/** parseRecordBody reads a record document, or undefined when it is not one. */
function parseRecordBody(bytes: Buffer): RecordBody | undefined {
  let v: Record<string, unknown>;
  try {
    v = JSON.parse(bytes.toString('utf8')) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  const str = (x: unknown): x is string => typeof x === 'string';
  const strOrNull = (x: unknown): x is string | null => x === null || typeof x === 'string';
  if (
    typeof v !== 'object' ||
    v === null ||
    v.version !== 1 ||
    (v.action !== 'promote' && v.action !== 'rollback') ||
    !str(v.time) ||
    !str(v.repository) ||
    !str(v.digest) ||
    !isDigest(v.digest) ||
    !strOrNull(v.source) ||
    !strOrNull(v.actor) ||
    !strOrNull(v.runUrl) ||
    !str(v.tool) ||
    tagChangesOf(JSON.stringify(v.tags ?? null)) === undefined
  ) {
    return undefined;
  }
  return v as unknown as RecordBody;
}
