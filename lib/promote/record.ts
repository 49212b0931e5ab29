/**
 * Records: each promotion, rollback, verification, hold, release, freeze and unfreeze is
 * written to its repository as a small OCI artifact under a journal tag of its own
 * (journal.ts). Its `subject` is the image it concerns, so it is also a referrer of that
 * image (a freeze concerns the repository and has none). Its one layer is an in-toto
 * Statement (statement.ts) whose predicate is the full record, and the same blob is its
 * config (a custom config, as the guidelines allow), so a record is one blob upload and a
 * manifest PUT; records written before that used the empty config and read the same. The
 * manifest and the ledger descriptor pointing at it carry the same facts as annotations,
 * so `history` reads one index (the cache) plus the few records it does not list yet,
 * instead of every record. Records written before statements (a bare JSON document,
 * `version: 1`) are still read.
 *
 * Reference: OCI image-spec v1.1.0 manifest.md "Guidelines for Artifact Usage".
 */
import { buffer } from 'node:stream/consumers';
import { referrersTag } from '../content/referrers.js';
import type { ContentStore, PutResult } from '../content/store.js';
import { type Digest, digestOf, isDigest } from '../digest.js';
import { isOciPromoteError, NotFoundError, RegistryError } from '../errors.js';
import type { Descriptor } from '../manifest.js';
import { OCI_EMPTY, OCI_MANIFEST } from '../media-types.js';
import { referrerDescriptor } from '../registry/referrers.js';
import type { Repository } from '../registry/repository.js';
import { sleep } from '../transport/retry.js';
import { type Checks, checksOf, isStage } from './evidence-fields.js';
import { journalTag } from './journal.js';
import {
  IN_TOTO_MEDIA_TYPE,
  PREDICATE_TYPE_ANNOTATION,
  PREDICATE_TYPES,
  predicateOf,
  statementOf,
} from './statement.js';
import { tagChangesOf } from './tag-changes.js';
import type { CheckResult, Override, Provenance, RecordAction, TagChange } from './types.js';

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
  reason: 'dev.oci-promote.reason',
  stage: 'dev.oci-promote.stage',
  result: 'dev.oci-promote.result',
  checks: 'dev.oci-promote.checks',
  summary: 'dev.oci-promote.summary',
  until: 'dev.oci-promote.until',
  overrides: 'dev.oci-promote.overrides',
} as const;

/** RecordBody is a record's fields: the predicate of its statement. */
export interface RecordBody {
  action: RecordAction;
  time: string;
  repository: string;
  /** The digest the tags point to after this action, or the image it speaks of; null for a freeze. */
  digest: Digest | null;
  /** Promotion source (reference with digest), null otherwise. */
  source: string | null;
  /** Tag changes (promote, rollback); empty otherwise. */
  tags: TagChange[];
  actor: string | null;
  runUrl: string | null;
  tool: string;
  /** Why (hold, release, freeze, unfreeze, and a rollback when given). */
  reason?: string | null;
  /** attest */
  stage?: string;
  result?: CheckResult;
  checks?: Checks;
  summary?: string | null;
  details?: Record<string, unknown>;
  /** freeze: when it lifts by itself (ISO time), or null. */
  until?: string | null;
  /** promote: gates passed by hand. */
  overrides?: Override[];
}

/** The kind-specific fields of a record, as recordBody takes them. */
export type RecordExtras = Pick<
  RecordBody,
  'reason' | 'stage' | 'result' | 'checks' | 'summary' | 'details' | 'until' | 'overrides'
>;

const EMPTY_JSON = Buffer.from('{}');
const emptyDescriptor: Descriptor = { mediaType: OCI_EMPTY, digest: digestOf(EMPTY_JSON), size: 2 };

/** recordBody assembles a record document. */
export function recordBody(
  init: {
    action: RecordAction;
    repository: string;
    digest: Digest | null;
    source?: string | null;
    tags?: TagChange[];
    provenance?: Provenance;
    time?: Date;
    tool: string;
  } & RecordExtras,
): RecordBody {
  const { provenance, time, source, tags, ...rest } = init;
  return {
    ...rest,
    time: (time ?? new Date()).toISOString(),
    source: source ?? null,
    tags: tags ?? [],
    actor: provenance?.actor ?? null,
    runUrl: provenance?.runUrl ?? null,
  };
}

/**
 * recordAnnotations renders a record's facts as annotations (values are strings): all
 * but `details`, which stays in the body, so the ledger alone answers every gate.
 */
export function recordAnnotations(body: RecordBody): Record<string, string> {
  const a: Record<string, string> = {
    [ANNOTATION.created]: body.time,
    [ANNOTATION.action]: body.action,
    [ANNOTATION.tags]: JSON.stringify(body.tags),
  };
  const text: Array<[string, string | null | undefined]> = [
    [ANNOTATION.digest, body.digest],
    [ANNOTATION.source, body.source],
    [ANNOTATION.actor, body.actor],
    [ANNOTATION.runUrl, body.runUrl],
    [ANNOTATION.reason, body.reason],
    [ANNOTATION.stage, body.stage],
    [ANNOTATION.result, body.result],
    [ANNOTATION.summary, body.summary],
    [ANNOTATION.until, body.until],
  ];
  for (const [key, value] of text) if (value !== null && value !== undefined) a[key] = value;
  if (body.checks?.length) a[ANNOTATION.checks] = JSON.stringify(body.checks);
  if (body.overrides?.length) a[ANNOTATION.overrides] = JSON.stringify(body.overrides);
  return a;
}

/** DROPPED_ARTIFACT_TYPE marks a prune's list of the records it dropped (journal.ts). */
export const DROPPED_ARTIFACT_TYPE = 'application/vnd.oci-promote.dropped.v1+json';
/** DROPPED_ANNOTATION holds that list: a JSON array of record digests. */
export const DROPPED_ANNOTATION = 'dev.oci-promote.dropped';

/** RecordOptions: what the caller knows of the repository (each spares a request). */
export interface RecordOptions {
  /** The repository's tags as listed before this record. */
  tags?: readonly string[];
  /** Nothing written since that listing can have made the subject's fallback index. */
  indexUnchanged?: boolean;
  /** Run once the record is in the journal, beside the fallback index update (the ledger cache). */
  alongside?(record: Descriptor): Promise<void>;
}

/**
 * pushRecord writes a record into `repo` as an artifact under its journal tag, with
 * `subject` set when the image it concerns is in `repo` (then it is also findable as a
 * referrer: the tag-schema index is updated on registries without the referrers API), and
 * returns the descriptor to list in the ledger.
 */
export async function pushRecord(
  repo: Repository,
  subject: Descriptor | null,
  body: RecordBody,
  signal?: AbortSignal,
  options: RecordOptions = {},
): Promise<Descriptor> {
  const { tags } = options;
  const bytes = Buffer.from(JSON.stringify(statementOf(body)));
  const statement: Descriptor = {
    mediaType: IN_TOTO_MEDIA_TYPE,
    digest: digestOf(bytes),
    size: bytes.byteLength,
  };
  const layer: Descriptor = {
    ...statement,
    annotations: { [PREDICATE_TYPE_ANNOTATION]: PREDICATE_TYPES[body.action] },
  };
  const annotations = recordAnnotations(body);
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      artifactType: RECORD_ARTIFACT_TYPE,
      config: statement,
      layers: [layer],
      ...(subject && {
        subject: { mediaType: subject.mediaType, digest: subject.digest, size: subject.size },
      }),
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
  // The statement carries its time and digest: no registry has it yet, so no HEAD.
  const put = await putArtifact(repo, tag, manifest, [[statement, bytes, true]], signal);
  const listed = referrerDescriptor(desc, {
    kind: 'image',
    mediaType: OCI_MANIFEST,
    artifactType: RECORD_ARTIFACT_TYPE,
    config: statement,
    layers: [layer],
    annotations,
  });
  const indexed = async () => {
    if (!subject || put.subjectIndexed || repo.referrers.api === true) return;
    // The fallback index is read unless the caller vouches that the list it took is
    // still true of it: a copy of referrers in between may have written it.
    const absent = options.indexUnchanged === true && !tags?.includes(referrersTag(subject.digest));
    await repo.referrers.addToTagIndex(subject.digest, listed, signal, { absent });
  };
  const both = await Promise.allSettled([indexed(), options.alongside?.(listed)]);
  const failed = both.find((r) => r.status === 'rejected');
  if (failed) throw failed.reason;
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
 * (drop lists share the empty blob) race inside distribution: each commit rewrites
 * the repository's link file to the blob, and a manifest PUT that reads the link midway
 * is answered 400 MANIFEST_BLOB_UNKNOWN / DIGEST_INVALID. Such an answer is worth a new
 * attempt after a short pause (only then: an uncontended push never waits).
 */
async function putArtifact(
  repo: Repository,
  tag: string,
  manifest: Buffer,
  /** Each blob, and whether it is new (no registry can have it: upload it without a HEAD). */
  blobs: readonly (readonly [Descriptor, Buffer, boolean?])[],
  signal?: AbortSignal,
): Promise<PutResult> {
  for (let attempt = 1; ; attempt++) {
    await Promise.all(
      blobs.map(async ([desc, bytes, fresh]) => {
        // Only the first attempt trusts what is known: a retry follows a registry that
        // said a blob was missing, so it looks.
        if ((attempt === 1 && fresh) || !(await repo.blobs.stat(desc.digest, signal))) {
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

/** The largest record body read back (ours are under 2 KiB, plus at most 64 KiB of details). */
const MAX_RECORD_BODY = 80 * 1024;

/** VerifiedRecord is a ledger entry that matches the record artifact it points to. */
export interface VerifiedRecord {
  /** The ledger's descriptor of the record manifest. */
  readonly descriptor: Descriptor;
  /** The image the record speaks of, as the record manifest names it (null: none). */
  readonly subject: Descriptor | null;
  readonly body: RecordBody;
}

/** Kinds whose record always has the image it concerns as its subject. */
const NEEDS_SUBJECT: ReadonlySet<RecordAction> = new Set(['promote', 'rollback', 'attest']);

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
  const statement = layer?.mediaType === IN_TOTO_MEDIA_TYPE;
  if (
    m.artifactType !== RECORD_ARTIFACT_TYPE ||
    !layer ||
    (!statement && layer.mediaType !== RECORD_ARTIFACT_TYPE)
  ) {
    return not(`it is not a record artifact (${RECORD_ARTIFACT_TYPE})`);
  }
  if (layer.size > MAX_RECORD_BODY) return not(`its body is ${layer.size} bytes`);
  const bytes = await unlessGone(async () => buffer(await repo.blobs.get(layer, signal)));
  if (typeof bytes === 'string') return not(`its body: ${bytes}`);
  const body = parseRecordBody(bytes, statement);
  if (!body) return not('its body is not a record document');
  const subject = m.subject ?? null;
  if (subject === null ? NEEDS_SUBJECT.has(body.action) : body.digest !== subject.digest) {
    return not(subject ? 'its body names another image than its subject' : 'it has no subject');
  }
  const expected = recordAnnotations(body);
  for (const key of Object.values(ANNOTATION)) {
    if (m.annotations?.[key] !== expected[key] || listed.annotations?.[key] !== expected[key]) {
      return not(`its ${key} annotation disagrees with its body`);
    }
  }
  return { ok: true, record: { descriptor: listed, subject, body } };
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

/**
 * parseRecordBody reads a record document: an in-toto statement (statement.ts), or the
 * bare `version: 1` document of promotions and rollbacks written before statements.
 * Undefined when it is not one; every field is checked as data a registry served.
 */
function parseRecordBody(bytes: Buffer, statement: boolean): RecordBody | undefined {
  let v: unknown;
  try {
    v = JSON.parse(bytes.toString('utf8'));
  } catch {
    return undefined;
  }
  if (statement) return fieldsOf(predicateOf(v));
  const legacy = v as Record<string, unknown> | null;
  if (typeof legacy !== 'object' || legacy === null || legacy.version !== 1) return undefined;
  if (legacy.action !== 'promote' && legacy.action !== 'rollback') return undefined;
  const { version: _v, ...fields } = legacy;
  return fieldsOf(fields);
}

/** fieldsOf checks a record's fields, kind by kind. */
function fieldsOf(v: Record<string, unknown> | undefined): RecordBody | undefined {
  if (v === undefined) return undefined;
  const str = (x: unknown): x is string => typeof x === 'string';
  const strOrNull = (x: unknown): x is string | null => x === null || typeof x === 'string';
  const optional = (x: unknown, ok: (y: unknown) => boolean) => x === undefined || ok(x);
  const action = v.action as RecordAction;
  if (
    !Object.hasOwn(PREDICATE_TYPES, action) ||
    !str(v.time) ||
    !str(v.repository) ||
    !(v.digest === null
      ? action === 'freeze' || action === 'unfreeze'
      : str(v.digest) && isDigest(v.digest)) ||
    !strOrNull(v.source) ||
    !strOrNull(v.actor) ||
    !strOrNull(v.runUrl) ||
    !str(v.tool) ||
    tagChangesOf(JSON.stringify(v.tags ?? null)) === undefined ||
    !optional(v.reason, strOrNull) ||
    !optional(v.stage, (x) => str(x) && isStage(x)) ||
    !optional(v.result, (x) => x === 'passed' || x === 'failed') ||
    !optional(v.checks, (x) => checksOf(JSON.stringify(x)) !== undefined) ||
    !optional(v.summary, strOrNull) ||
    !optional(v.details, (x) => typeof x === 'object' && x !== null && !Array.isArray(x)) ||
    !optional(v.until, strOrNull) ||
    !optional(v.overrides, (x) => overridesOf(JSON.stringify(x)) !== undefined)
  ) {
    return undefined;
  }
  return v as unknown as RecordBody;
}

/** overridesOf parses the overrides annotation; undefined unless every entry is well formed. */
export function overridesOf(json: string | undefined): Override[] | undefined {
  let value: unknown;
  try {
    value = JSON.parse(json ?? '[]');
  } catch {
    return undefined;
  }
  if (!Array.isArray(value)) return undefined;
  const ok = value.every(
    (o: unknown) =>
      typeof o === 'object' &&
      o !== null &&
      ((o as Override).gate === 'hold' || (o as Override).gate === 'freeze') &&
      typeof (o as Override).reason === 'string',
  );
  return ok ? (value as Override[]) : undefined;
}
