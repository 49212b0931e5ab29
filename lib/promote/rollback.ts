/**
 * rollback: move a tag back to a digest it held before, as the ledger tells, after
 * checking that image is still complete; then write the rollback down.
 */
import { verify } from '../copy/verify.js';
import type { Digest } from '../digest.js';
import { IntegrityError, PolicyError, UsageError } from '../errors.js';
import type { Descriptor } from '../manifest.js';
import { formatReference, repositoryOf } from '../reference.js';
import type { RegistryClient } from '../registry/client.js';
import type { Repository } from '../registry/repository.js';
import { parseText } from './evidence-fields.js';
import { tagStack } from './history.js';
import { cacheRecords, entriesOf, readLedger } from './ledger.js';
import { isImmutableTag } from './policy.js';
import type { PromoteOptions } from './promote.js';
import { checkRecord, pushRecord, recordBody } from './record.js';
import { writeTags } from './tags.js';
import type { HistoryEntry, RollbackRequest, RollbackResult } from './types.js';

/** rollback moves `req.target`'s tag back `steps` promotions, or to `to`. */
export async function rollback(
  client: RegistryClient,
  req: RollbackRequest,
  options: PromoteOptions = {},
): Promise<RollbackResult> {
  const tag = req.target.tag;
  if (tag === undefined || req.target.digest !== undefined) {
    throw new UsageError(`rollback takes repository:tag, got ${formatReference(req.target)}`);
  }
  if (req.to !== undefined && req.steps !== undefined) {
    throw new UsageError('give either --steps or --to, not both');
  }
  const reason = req.reason === undefined ? undefined : parseText(req.reason, '--reason');
  const steps = req.steps ?? 1;
  if (!Number.isInteger(steps) || steps < 1) {
    throw new UsageError(`--steps must be a whole number of at least 1, got ${steps}`);
  }
  const signal = req.signal;
  const repo = client.repository(req.target);
  const where = `${repo}:${tag}`;
  const current = await repo.manifests.resolve(tag, signal);
  const ledger = await readLedger(repo, signal);
  const entries = entriesOf(ledger.records).filter((e) => e.tag === tag);
  const listed = new Map(ledger.records.map((r) => [r.digest, r]));
  const target = await vouchedTarget(repo, entries, listed, req, current.digest, steps, where);
  if (isImmutableTag(tag) && !req.allowOverwrite) {
    throw new PolicyError(
      `${where} is an immutable version tag; pass --allow-overwrite to move it`,
    );
  }
  const result: RollbackResult = {
    repository: formatReference(repositoryOf(req.target)),
    tag,
    digest: target,
    previousDigest: current.digest,
    record: null,
    hold: null,
    conflicts: [],
    dryRun: req.dryRun === true,
  };
  if (target === current.digest) return result;

  // The image rolled back to may be old: check every manifest and blob is still there.
  const check = await verify(
    repo,
    { ...repositoryOf(req.target), digest: target },
    {
      deep: true,
      ...(signal && { signal }),
    },
  );
  if (!check.ok) {
    throw new IntegrityError(
      `cannot roll back ${where} to ${target}: ${check.reason ?? 'the image is incomplete'} (missing: ${check.missing.join(', ')})`,
    );
  }
  if (req.dryRun) return result;

  const common = {
    repository: result.repository,
    tool: options.tool ?? 'oci-promote',
    ...(req.provenance && { provenance: req.provenance }),
  };
  const written: Descriptor[] = [];
  // Hold what the tag moves away from, so re-running the pipeline that promoted it cannot
  // undo this rollback (docs/promotion.md, "Holds"). First: should the move fail after
  // it, the digest being left is held already, and no re-run can bring it back.
  if (req.hold !== false) {
    const hold = await pushRecord(
      repo,
      current,
      recordBody({
        ...common,
        action: 'hold',
        digest: current.digest,
        reason: reason ?? `rolled back: ${tag} moved from it to ${target}`,
      }),
      signal,
    );
    written.push(hold);
    result.hold = hold.digest;
  }
  const manifest = await repo.manifests.get(target, signal);
  result.conflicts = await writeTags(repo, manifest, [
    { tag, previousDigest: current.digest, immutable: false },
  ]);
  const record = await pushRecord(
    repo,
    manifest.descriptor,
    recordBody({
      ...common,
      action: 'rollback',
      digest: target,
      tags: [{ tag, action: 'moved', previousDigest: current.digest }],
      ...(reason !== undefined && { reason }),
    }),
    signal,
    {
      alongside: (listed) =>
        cacheRecords(repo, [...written, listed], {
          read: ledger,
          ...(signal && { signal }),
          ...(req.logger && { logger: req.logger }),
        }),
    },
  );
  result.record = record.digest;
  return result;
}

/**
 * vouchedTarget picks the digest to roll back to from the entries of the tag, and only
 * takes it when one of our records (checked against the registry, see checkRecord) names
 * it for this tag. Entries that turn out not to be ours are set aside and the pick is made
 * again without them: a forged ledger entry is ignored, never followed.
 */
async function vouchedTarget(
  repo: Repository,
  entries: readonly HistoryEntry[],
  listed: ReadonlyMap<Digest, Descriptor>,
  req: RollbackRequest,
  current: Digest,
  steps: number,
  where: string,
): Promise<Digest> {
  const forged = new Set<Digest>();
  for (;;) {
    const usable = entries.filter((e) => !forged.has(e.record));
    const target = req.to ?? pickTarget(usable, current, steps, where);
    const naming = usable.filter((e) => e.digest === target || e.previousDigest === target);
    if (naming.length === 0) {
      throw new PolicyError(
        `${target} is not in the history of ${where}; see \`oci-promote history ${where}\``,
      );
    }
    for (const e of naming.reverse()) {
      const record = listed.get(e.record);
      const check = record
        ? await checkRecord(repo, record, req.signal)
        : { ok: false as const, reason: `${e.record} is not in the ledger` };
      if (check.ok) return target;
      req.logger?.warn({ record: e.record }, `ignoring a history entry: ${check.reason}`);
      forged.add(e.record);
    }
  }
}

/** pickTarget walks `steps` back down the tag's stack from where it is now. */
function pickTarget(
  entries: readonly HistoryEntry[],
  current: Digest,
  steps: number,
  where: string,
): Digest {
  const stack = tagStack(entries);
  const at = stack.lastIndexOf(current);
  if (at < 0) {
    throw new PolicyError(
      `${where} points to ${current}, which its history does not show; roll back with --to <digest> (see \`oci-promote history ${where}\`)`,
    );
  }
  const target = stack[at - steps];
  if (target === undefined || target === null) {
    const known = stack.slice(0, at).filter((d) => d !== null).length;
    throw new PolicyError(
      `${where} has no digest ${steps} step(s) back in its history (${known} earlier digest(s) known)`,
    );
  }
  return target;
}
