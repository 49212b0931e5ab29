/**
 * `history <repo>[:<tag>]`: the promotions, rollbacks and evidence records (attest, hold,
 * release, freeze, unfreeze) recorded in the registry, newest first.
 */
import type { Argv } from 'yargs';
import { history, type LedgerEntry, parseReference, UsageError } from '../../lib/index.js';
import type { CommandParts, RunCommand } from '../command.js';
import { escapeText, shortDigest } from '../format.js';
import type { GlobalArgs } from '../runtime.js';

type Args = GlobalArgs & { target: string };

/** historyCommand defines `history`. */
export function historyCommand(run: RunCommand): CommandParts<Args> {
  return {
    builder: (y) =>
      y.positional('target', {
        type: 'string',
        demandOption: true,
        describe: 'host/path, or host/path:tag for one tag',
      }) as unknown as Argv<Args>,
    handler: (args) =>
      run(args, async (rt) => {
        const target = parseReference(args.target);
        if (target.digest)
          throw new UsageError('history takes host/path or host/path:tag, not a digest');
        const result = await history(rt.client(), target, rt.signal);
        return {
          json: result,
          text:
            result.entries.length > 0
              ? historyLines(result.entries)
              : [`no recorded history for ${args.target}`],
        };
      }),
  };
}

/**
 * historyLines renders one line per record (its tag changes together), newest first.
 * Evidence records (tag null) say what they recorded: a stage's verdict, or a reason.
 * Every field comes from the registry, so each line is escaped (format.ts escapeText).
 */
export function historyLines(entries: readonly LedgerEntry[]): string[] {
  const lines: string[] = [];
  let last: string | undefined;
  for (const e of entries) {
    const head = `${e.time}  ${e.action.padEnd(8)}  ${e.digest ? shortDigest(e.digest) : '(repository)       '}`;
    if (e.tag === null) {
      last = undefined;
      lines.push(`${head}  ${who(e)}${evidenceNote(e)}`);
      continue;
    }
    const change = `${e.tag} (${e.previousDigest ? `was ${shortDigest(e.previousDigest)}` : 'new'})`;
    if (e.record === last) {
      lines[lines.length - 1] += `, ${change}`;
      continue;
    }
    last = e.record;
    const by = who(e);
    lines.push(`${head}  ${by ? `${by}: ` : ''}${change}${tagNote(e)}`);
  }
  return lines.map(escapeText);
}

/** who: `by ACTOR from SOURCE` (the source without its digest), as far as known. */
function who(e: LedgerEntry): string {
  return [
    e.actor && `by ${e.actor}`,
    e.source && `from ${e.source.replace(/@sha(256|512):[0-9a-f]+$/, '')}`,
  ]
    .filter(Boolean)
    .join(' ');
}

/** tagNote: why a rollback was made, and the gates a promotion passed by hand. */
function tagNote(e: LedgerEntry): string {
  if (e.tag === null) return '';
  const notes = [
    ...(e.reason ? [`reason: ${e.reason}`] : []),
    ...(e.overrides ?? []).map(
      (o) => `${o.gate === 'hold' ? 'allowed held' : 'override freeze'}: ${o.reason}`,
    ),
  ];
  return notes.length > 0 ? ` — ${notes.join('; ')}` : '';
}

/** evidenceNote: a stage's verdict (attest), or the reason (and until, for a freeze). */
function evidenceNote(e: LedgerEntry): string {
  if (e.tag !== null) return '';
  const sep = e.actor ? ': ' : '';
  if (e.action === 'attest') {
    const checks = e.checks?.length
      ? ` (${e.checks.map((c) => `${c.name}=${c.result}`).join(', ')})`
      : '';
    return `${sep}${e.stage ?? '?'} ${e.result ?? '?'}${checks}${e.summary ? ` — ${e.summary}` : ''}`;
  }
  return `${sep}${e.reason ?? ''}${e.until ? ` (until ${e.until})` : ''}`;
}
