/**
 * The mermaid diagram of `status --format markdown`: a left-to-right flowchart of the
 * digests a tag held recently, one node per digest (its short form), one edge per
 * promotion or rollback, labelled with the action and its time (UTC, to the minute).
 * GitHub renders a ```mermaid block in step summaries and Markdown files.
 *
 * Everything in a ledger entry comes from a registry, so nothing of it reaches the diagram
 * as written: node ids are generated, labels are built only from a known action, a time
 * re-formatted from a parsed date, a digest reduced to `algorithm:hex` and a tag reduced
 * to the tag grammar's characters — none of which can close a quote, a label or the fence.
 */
import type { HistoryEntry, LedgerEntry, StatusResult } from '../lib/index.js';
import { shortDigest } from './format.js';

/** The actions a tag change can record (anything else is drawn as `?`). */
const ACTIONS = new Set(['promote', 'rollback']);

/** safeDigest is the short form of a digest, with nothing but `[a-z0-9:]` in it. */
function safeDigest(digest: string): string {
  return shortDigest(digest).replace(/[^a-z0-9:]/g, '?');
}

/** safeTime is `YYYY-MM-DD HH:MM` (UTC) of an ISO time, or `?` when it is not one. */
export function safeTime(time: string): string {
  const ms = Date.parse(time);
  return Number.isNaN(ms) ? '?' : new Date(ms).toISOString().slice(0, 16).replace('T', ' ');
}

/** safeTag keeps only the characters the tag grammar allows. */
function safeTag(tag: string): string {
  return tag.replace(/[^A-Za-z0-9_.-]/g, '?').slice(0, 128);
}

const isTagChange = (e: LedgerEntry): e is HistoryEntry => e.tag !== null;

/**
 * statusMermaid is the flowchart of the tag changes in `r.history` (oldest first), or
 * undefined when there are none. In a whole repository's status each label starts with
 * the tag. The digest asked about is drawn bold; held digests are drawn red.
 */
export function statusMermaid(r: StatusResult): string | undefined {
  const changes = r.history.filter(isTagChange).reverse();
  if (changes.length === 0) return undefined;
  const ids = new Map<string, string>();
  const lines = ['flowchart LR'];
  const node = (digest: string | null): string => {
    const key = digest ?? '';
    let id = ids.get(key);
    if (id === undefined) {
      id = digest === null ? 'notag' : `d${ids.size}`;
      ids.set(key, id);
      lines.push(digest === null ? `  ${id}(["no tag"])` : `  ${id}["${safeDigest(digest)}"]`);
    }
    return id;
  };
  const edges: string[] = [];
  for (const e of changes) {
    const from = node(e.previousDigest);
    const to = node(e.digest);
    const action = ACTIONS.has(e.action) ? e.action : '?';
    const tag = r.tag === null ? `${safeTag(e.tag)} ` : '';
    edges.push(`  ${from} -->|"${tag}${action} ${safeTime(e.time)}"| ${to}`);
  }
  lines.push(...edges);
  const held = new Set(r.holds.map((h) => h.digest as string));
  const current = [...ids].filter(([d]) => d === r.digest).map(([, id]) => id);
  const heldIds = [...ids].filter(([d]) => held.has(d)).map(([, id]) => id);
  if (current.length > 0) {
    lines.push('  classDef current stroke-width:3px', `  class ${current.join(',')} current`);
  }
  if (heldIds.length > 0) {
    lines.push('  classDef held fill:#fdd,stroke:#c00', `  class ${heldIds.join(',')} held`);
  }
  return lines.join('\n');
}
