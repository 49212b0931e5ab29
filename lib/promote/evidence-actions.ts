/**
 * Writing evidence: `attest` (a stage's verdict on an image, kept in the image's
 * repository), `hold`/`release` (a digest that may not be promoted into a repository) and
 * `freeze`/`unfreeze` (a repository that refuses promotions). Each writes one record
 * (record.ts) under its journal tag and lists it in the repository's ledger; the gates
 * (gates.ts) and `status` read them back. Every input is checked before anything is
 * written.
 */
import type { Digest } from '../digest.js';
import { UsageError } from '../errors.js';
import type { Descriptor } from '../manifest.js';
import { formatReference, manifestReference, type Reference, repositoryOf } from '../reference.js';
import type { RegistryClient } from '../registry/client.js';
import type { Repository } from '../registry/repository.js';
import { checksOf, MAX_CHECKS, MAX_DETAILS, parseStage, parseText } from './evidence-fields.js';
import { cacheRecords } from './ledger.js';
import type { PromoteOptions } from './promote.js';
import { pushRecord, type RecordBody, type RecordExtras, recordBody } from './record.js';
import type {
  AttestRequest,
  EvidenceAction,
  EvidenceResult,
  FreezeRequest,
  HoldRequest,
  Provenance,
} from './types.js';

type EvidenceOptions = Pick<PromoteOptions, 'tool'>;

/** attest writes a stage's verification of `req.image` (resolved once to its digest). */
export async function attest(
  client: RegistryClient,
  req: AttestRequest,
  options: EvidenceOptions = {},
): Promise<EvidenceResult> {
  const stage = parseStage(req.stage);
  if (req.result !== 'passed' && req.result !== 'failed') {
    throw new UsageError(`--result is passed or failed, got ${JSON.stringify(req.result)}`);
  }
  const checks = [...(req.checks ?? [])];
  if (checks.length > MAX_CHECKS) throw new UsageError(`at most ${MAX_CHECKS} --check values`);
  if (!checksOf(JSON.stringify(checks))) {
    throw new UsageError('each check is a name (see --check) with the result passed or failed');
  }
  if (req.details !== undefined) checkDetails(req.details);
  const summary = req.summary === undefined ? undefined : parseText(req.summary, '--summary');
  const repo = client.repository(req.image);
  // Resolved once: the record names this digest, whatever the tag does meanwhile.
  const subject = await repo.manifests.resolve(manifestReference(req.image), req.signal);
  return write(repo, subject, {
    action: 'attest',
    digest: subject.digest,
    extras: {
      stage,
      result: req.result,
      checks,
      ...(summary !== undefined && { summary }),
      ...(req.details !== undefined && { details: req.details }),
    },
    request: req,
    options,
  });
}

/** hold marks `req.target` (repository@digest) as not to be promoted into the repository. */
export async function hold(
  client: RegistryClient,
  req: HoldRequest,
  options: EvidenceOptions = {},
): Promise<EvidenceResult> {
  return holdOrRelease('hold', client, req, options);
}

/** release lifts a hold. */
export async function release(
  client: RegistryClient,
  req: HoldRequest,
  options: EvidenceOptions = {},
): Promise<EvidenceResult> {
  return holdOrRelease('release', client, req, options);
}

async function holdOrRelease(
  action: 'hold' | 'release',
  client: RegistryClient,
  req: HoldRequest,
  options: EvidenceOptions,
): Promise<EvidenceResult> {
  const digest = req.target.digest;
  if (digest === undefined || req.target.tag !== undefined) {
    throw new UsageError(
      `${action} takes repository@sha256:<digest> (a digest, not a tag), got ${formatReference(req.target)}`,
    );
  }
  const reason = parseText(req.reason, '--reason');
  const repo = client.repository(req.target);
  // Held before it ever reaches the repository is allowed: the record then has no subject.
  const subject = (await repo.manifests.head(digest, req.signal)) ?? null;
  return write(repo, subject, {
    action,
    digest,
    extras: { reason },
    request: req,
    options,
  });
}

/** freeze makes the repository refuse promotions (until `req.until`, if given). */
export async function freeze(
  client: RegistryClient,
  req: FreezeRequest,
  options: EvidenceOptions = {},
): Promise<EvidenceResult> {
  if (req.until !== undefined && !(req.until.getTime() > Date.now())) {
    throw new UsageError(`--until ${req.until.toISOString()} is not in the future`);
  }
  return freezeOrUnfreeze('freeze', client, req, options);
}

/** unfreeze lifts a freeze. */
export async function unfreeze(
  client: RegistryClient,
  req: FreezeRequest,
  options: EvidenceOptions = {},
): Promise<EvidenceResult> {
  if (req.until !== undefined) throw new UsageError('--until is for freeze only');
  return freezeOrUnfreeze('unfreeze', client, req, options);
}

async function freezeOrUnfreeze(
  action: 'freeze' | 'unfreeze',
  client: RegistryClient,
  req: FreezeRequest,
  options: EvidenceOptions,
): Promise<EvidenceResult> {
  if (req.target.tag !== undefined || req.target.digest !== undefined) {
    throw new UsageError(
      `${action} takes a repository without tag or digest, got ${formatReference(req.target)}`,
    );
  }
  const reason = parseText(req.reason, '--reason');
  return write(client.repository(req.target), null, {
    action,
    digest: null,
    extras: {
      reason,
      ...(action === 'freeze' && { until: req.until?.toISOString() ?? null }),
    },
    request: req,
    options,
  });
}

/** What every evidence write needs. */
interface EvidenceWrite {
  action: EvidenceAction;
  digest: Digest | null;
  extras: RecordExtras;
  request: { provenance?: Provenance; dryRun?: boolean; signal?: AbortSignal } & (
    | { image: Reference }
    | { target: Reference }
  );
  options: EvidenceOptions;
}

/** write pushes the record (unless a dry run) and lists it in the repository's ledger. */
async function write(
  repo: Repository,
  subject: Descriptor | null,
  w: EvidenceWrite,
): Promise<EvidenceResult> {
  const ref = 'image' in w.request ? w.request.image : w.request.target;
  const repository = formatReference(repositoryOf(ref));
  const body: RecordBody = recordBody({
    action: w.action,
    repository,
    digest: w.digest,
    tool: w.options.tool ?? 'oci-promote',
    ...w.extras,
    ...(w.request.provenance && { provenance: w.request.provenance }),
  });
  const result: EvidenceResult = {
    action: w.action,
    repository,
    digest: w.digest,
    record: null,
    time: body.time,
    reason: body.reason ?? null,
    ...(body.stage !== undefined && { stage: body.stage }),
    ...(body.result !== undefined && { result: body.result }),
    ...(w.action === 'freeze' && { until: body.until ?? null }),
    dryRun: w.request.dryRun === true,
  };
  if (w.request.dryRun) return result;
  const signal = w.request.signal;
  const record = await pushRecord(repo, subject, body, signal, {
    alongside: (listed) => cacheRecords(repo, [listed], signal ? { signal } : {}),
  });
  result.record = record.digest;
  return result;
}

/** checkDetails: a JSON object of at most 64 KiB serialised. */
function checkDetails(details: unknown): void {
  if (typeof details !== 'object' || details === null || Array.isArray(details)) {
    throw new UsageError('--details must hold a JSON object');
  }
  const size = Buffer.byteLength(JSON.stringify(details));
  if (size > MAX_DETAILS) {
    throw new UsageError(`--details is ${size} bytes serialised; at most ${MAX_DETAILS} are kept`);
  }
}
