/**
 * The evidence gates of a promotion, checked before anything is written
 * (docs/promotion.md, "Stage evidence"):
 * - a digest held in the target is refused unless `allowHeld` gives a reason;
 * - a frozen target is refused unless `overrideFreeze` gives a reason;
 * - each stage of `requireVerified` must have verified the source digest: its most recent
 *   verification record passed (and is younger than `maxAgeMs`).
 * A gate passed by hand is returned as an override, which the promotion's record keeps.
 */
import type { Digest } from '../digest.js';
import { FrozenError, HeldError, NotVerifiedError } from '../errors.js';
import type { Repository } from '../registry/repository.js';
import { freezeIn, holdsIn, verificationsOf } from './evidence.js';
import { ledgerEntriesOf, readLedger } from './ledger.js';
import { checkRecord } from './record.js';
import type { LedgerEntry, Override, PromoteRequest, Verification } from './types.js';

/** checkTargetGates refuses a held digest or a frozen repository; returns the overrides used. */
export function checkTargetGates(
  entries: readonly LedgerEntry[],
  digests: readonly Digest[],
  where: string,
  req: Pick<PromoteRequest, 'allowHeld' | 'overrideFreeze'>,
  now: Date = new Date(),
): Override[] {
  const overrides: Override[] = [];
  const freeze = freezeIn(entries, now);
  if (freeze) {
    if (req.overrideFreeze === undefined) {
      throw new FrozenError(
        `promotion refused: ${where} is frozen since ${freeze.time}${by(freeze.actor)}${
          freeze.until ? ` until ${freeze.until}` : ''
        }: ${freeze.reason}. Wait, unfreeze it, or pass --override-freeze REASON`,
      );
    }
    overrides.push({ gate: 'freeze', reason: req.overrideFreeze });
  }
  const held = holdsIn(entries).find((h) => digests.includes(h.digest));
  if (held) {
    if (req.allowHeld === undefined) {
      throw new HeldError(
        `promotion refused: ${held.digest} is held in ${where} since ${held.time}${by(held.actor)}: ${held.reason}. Release it (\`oci-promote release ${where}@${held.digest} --reason …\`) or pass --allow-held REASON`,
      );
    }
    overrides.push({ gate: 'hold', reason: req.allowHeld });
  }
  return overrides;
}

/**
 * checkVerified refuses unless every stage in `stages` verified `digest`, as the ledger
 * of `evidence` (where the stages attest) records it. The record that lets a promotion
 * through is fetched and checked against the ledger's entry (checkRecord); one that does
 * not hold up is ignored, and the stage is judged by the ones before it.
 */
export async function checkVerified(
  evidence: Repository,
  digest: Digest,
  stages: readonly string[],
  maxAgeMs: number | undefined,
  signal?: AbortSignal,
  now: Date = new Date(),
): Promise<void> {
  if (stages.length === 0) return;
  const ledger = await readLedger(evidence, signal);
  const listed = new Map(ledger.records.map((r) => [r.digest, r]));
  const all = verificationsOf(ledgerEntriesOf(ledger.records), digest);
  const problems: string[] = [];
  for (const stage of new Set(stages)) {
    const verdicts = all.filter((v) => v.stage === stage);
    let latest: Verification | undefined;
    for (const v of verdicts) {
      if (v.result === 'failed') {
        latest = v; // a failure refuses whether or not it holds up: it can only stop a promotion
        break;
      }
      const record = listed.get(v.record);
      if (record && (await checkRecord(evidence, record, signal)).ok) {
        latest = v;
        break;
      }
    }
    const why = verdictProblem(latest, maxAgeMs, now);
    if (why) problems.push(`stage ${stage}: ${why}`);
  }
  if (problems.length > 0) {
    throw new NotVerifiedError(
      `promotion refused: ${evidence}@${digest} is not verified (--require-verified): ${problems.join('; ')}. Attest it with \`oci-promote attest ${evidence}@${digest} --stage STAGE --result passed\` after the stage's checks pass`,
    );
  }
}

function verdictProblem(
  v: Verification | undefined,
  maxAgeMs: number | undefined,
  now: Date,
): string | undefined {
  if (!v) return 'no verification record';
  const run = v.runUrl ? ` (${v.runUrl})` : '';
  if (v.result === 'failed') return `failed at ${v.time}${by(v.actor)}${run}`;
  const age = now.getTime() - Date.parse(v.time);
  if (maxAgeMs !== undefined && !(age <= maxAgeMs)) {
    return `passed at ${v.time}${by(v.actor)}${run}, too old for --max-age ${formatAge(maxAgeMs)}`;
  }
  return undefined;
}

const by = (actor: string | null) => (actor ? ` by ${actor}` : '');

/** formatAge prints milliseconds as the largest whole unit (72h, 90s). */
function formatAge(ms: number): string {
  for (const [unit, size] of [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
  ] as const) {
    if (ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${Math.round(ms / 1000)}s`;
}
