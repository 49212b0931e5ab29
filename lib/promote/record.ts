/**
 * History records: each promotion or rollback is written to the production repository
 * as a small OCI artifact whose `subject` is the image it concerns, so it is also a
 * referrer of that image. The JSON document in its one layer is the full record; the
 * ledger descriptor pointing at it carries the same facts as annotations, so `history`
 * reads one index instead of every record.
 *
 * Reference: OCI image-spec v1.1.0 manifest.md "Guidelines for Artifact Usage".
 */
import { type Digest, digestOf } from '../digest.js';
import type { Descriptor } from '../manifest.js';
import { OCI_EMPTY, OCI_MANIFEST } from '../media-types.js';
import { referrerDescriptor } from '../registry/referrers.js';
import type { Repository } from '../registry/repository.js';
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

/**
 * pushRecord writes a record into `repo` as an artifact with `subject` set, makes it
 * findable as a referrer (updating the tag-schema index on registries without the
 * referrers API), and returns the descriptor to list in the ledger.
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
  await Promise.all([
    ensureBlob(repo, emptyDescriptor, EMPTY_JSON, signal),
    ensureBlob(repo, layer, bytes, signal),
  ]);
  const desc: Descriptor = {
    mediaType: OCI_MANIFEST,
    digest: digestOf(manifest),
    size: manifest.byteLength,
  };
  const put = await repo.manifests.put(desc.digest, manifest, OCI_MANIFEST, signal);
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

async function ensureBlob(
  repo: Repository,
  desc: Descriptor,
  bytes: Buffer,
  signal?: AbortSignal,
): Promise<void> {
  if (!(await repo.blobs.stat(desc.digest, signal))) await repo.blobs.upload(desc, bytes, signal);
}
