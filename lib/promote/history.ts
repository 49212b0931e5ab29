/**
 * history: the ledger read as tag changes, and the per-tag stack `rollback` walks.
 */
import type { Digest } from '../digest.js';
import { formatReference, type Reference, repositoryOf } from '../reference.js';
import type { RegistryClient } from '../registry/client.js';
import { ledgerEntriesOf, readLedger } from './ledger.js';
import type { HistoryEntry, LedgerEntry } from './types.js';

/** HistoryResult follows the `--json` contract of `history`. */
export interface HistoryResult {
  repository: string;
  entries: LedgerEntry[];
}

/**
 * history lists the ledger's entries, newest first. With `target.tag`: that tag's changes,
 * the evidence on the digests it held, and the freezes.
 */
export async function history(
  client: RegistryClient,
  target: Reference,
  signal?: AbortSignal,
): Promise<HistoryResult> {
  const ledger = await readLedger(client.repository(target), signal);
  const all = ledgerEntriesOf(ledger.records);
  const entries = target.tag === undefined ? all : concerningTag(all, target.tag);
  return { repository: formatReference(repositoryOf(target)), entries: entries.reverse() };
}

/**
 * concerningTag keeps the entries about one tag: its changes, the evidence about the
 * digests it held, and the freezes (oldest first, as given).
 */
export function concerningTag(entries: readonly LedgerEntry[], tag: string): LedgerEntry[] {
  const held = new Set(tagStack(entries.filter((e): e is HistoryEntry => e.tag === tag)));
  return entries.filter((e) =>
    e.tag === null ? e.digest === null || held.has(e.digest) : e.tag === tag,
  );
}

/**
 * tagStack replays one tag's entries (oldest first) into the stack of digests it held:
 * a promotion pushes, a rollback pops back to its target. The top is where the tag is;
 * below it, where it was before. `null` means the tag did not exist.
 */
export function tagStack(entries: readonly HistoryEntry[]): Array<Digest | null> {
  const stack: Array<Digest | null> = [];
  for (const e of entries) {
    if (e.action === 'rollback') {
      const i = stack.lastIndexOf(e.digest);
      if (i >= 0) stack.length = i + 1;
      else stack.splice(0, stack.length, e.digest);
      continue;
    }
    if (stack.at(-1) === e.digest) continue;
    if (stack.length === 0 || stack.at(-1) !== e.previousDigest) stack.push(e.previousDigest);
    stack.push(e.digest);
  }
  return stack;
}
