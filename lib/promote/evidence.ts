/**
 * What is in force, read from a repository's ledger entries (oldest first): the holds
 * (a digest's last hold or release decides), the freeze (the last freeze or unfreeze
 * decides; an `until` in the past lifts it), and the verifications of a digest. The
 * ledger is the only state: every CI job and every person reading it sees the same facts.
 */
import type { Digest } from '../digest.js';
import type { EvidenceEntry, Freeze, Hold, LedgerEntry, Verification } from './types.js';

const evidence = (entries: readonly LedgerEntry[]) =>
  entries.filter((e): e is EvidenceEntry => e.tag === null);

/** holdsIn lists the digests held now, in the order they were held. */
export function holdsIn(entries: readonly LedgerEntry[]): Hold[] {
  const last = new Map<Digest, EvidenceEntry>();
  for (const e of evidence(entries)) {
    if ((e.action === 'hold' || e.action === 'release') && e.digest !== null) {
      last.delete(e.digest); // re-insert: a fresh hold goes to the end
      last.set(e.digest, e);
    }
  }
  return [...last.values()]
    .filter((e) => e.action === 'hold')
    .map((e) => ({
      digest: e.digest as Digest,
      reason: e.reason ?? '',
      actor: e.actor,
      time: e.time,
      runUrl: e.runUrl,
      record: e.record,
    }));
}

/** freezeIn is the freeze in force at `now`, or null. */
export function freezeIn(entries: readonly LedgerEntry[], now: Date = new Date()): Freeze | null {
  const last = evidence(entries)
    .filter((e) => e.action === 'freeze' || e.action === 'unfreeze')
    .at(-1);
  if (last?.action !== 'freeze') return null;
  const until = last.until ?? null;
  if (until !== null && Date.parse(until) <= now.getTime()) return null;
  return {
    reason: last.reason ?? '',
    actor: last.actor,
    time: last.time,
    until,
    runUrl: last.runUrl,
    record: last.record,
  };
}

/** verificationsOf lists the verification records of `digest`, newest first. */
export function verificationsOf(entries: readonly LedgerEntry[], digest: Digest): Verification[] {
  return evidence(entries)
    .filter((e) => e.action === 'attest' && e.digest === digest)
    .map((e) => ({
      stage: e.stage ?? '',
      result: e.result ?? 'failed',
      digest,
      time: e.time,
      actor: e.actor,
      runUrl: e.runUrl,
      summary: e.summary ?? null,
      checks: e.checks ?? [],
      record: e.record,
    }))
    .reverse();
}

/** latestPerStage keeps the newest verification of each stage (input newest first). */
export function latestPerStage(
  verifications: readonly Verification[],
): Record<string, Verification> {
  const out: Record<string, Verification> = {};
  for (const v of verifications) if (!Object.hasOwn(out, v.stage)) out[v.stage] = v;
  return out;
}
