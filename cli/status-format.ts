/**
 * Rendering of `status`: plain text for a terminal, and GitHub-flavoured Markdown for a
 * step summary (`--format markdown`): a heading, a table of tags, the freeze and the holds,
 * a table of stages, a table of recent history and a mermaid diagram (status-mermaid.ts).
 *
 * Every string of a StatusResult beyond its enums came from a registry and is hostile:
 * text lines go through escapeText, Markdown cells through mdText/mdCode (pipes, backticks,
 * line breaks, HTML and emphasis made inert), links only for http(s) URLs, percent-encoded.
 */
import type { Freeze, Hold, LedgerEntry, StatusResult, Verification } from '../lib/index.js';
import { historyLines } from './commands/history.js';
import { escapeText, shortDigest } from './format.js';
import { mdCode, mdText } from './github-actions.js';
import { safeTime, statusMermaid } from './status-mermaid.js';

/** StatusFormat is what `status --format` accepts. */
export const STATUS_FORMATS = ['text', 'markdown'] as const;
export type StatusFormat = (typeof STATUS_FORMATS)[number];

/** subjectOf names what the status is about: `repo`, `repo:tag` or `repo@digest`. */
export function subjectOf(r: StatusResult): string {
  if (r.tag !== null) return `${r.repository}:${r.tag}`;
  return r.digest ? `${r.repository}@${r.digest}` : r.repository;
}

// ---------------------------------------------------------------------------------------------
// Text

const by = (actor: string | null, time: string) => `${actor ? `by ${actor} ` : ''}at ${time}`;

function freezeText(f: Freeze | null): string {
  if (!f) return 'none';
  return `frozen ${by(f.actor, f.time)}${f.until ? ` until ${f.until}` : ''}: ${f.reason}`;
}

function holdText(h: Hold): string {
  return `${shortDigest(h.digest)} held ${by(h.actor, h.time)}: ${h.reason}`;
}

function stageText(v: Verification): string {
  const checks = v.checks.length
    ? ` (${v.checks.map((c) => `${c.name}=${c.result}`).join(', ')})`
    : '';
  return `${v.stage.padEnd(12)} ${v.result.padEnd(6)} ${by(v.actor, v.time)}${checks}${v.runUrl ? ` ${v.runUrl}` : ''}`;
}

/** statusLines renders a status for a terminal, one fact per line, escaped. */
export function statusLines(r: StatusResult): string[] {
  const lines = [`Status of ${subjectOf(r)}`];
  if (r.digest) lines.push(`  digest    ${r.digest}`);
  for (const t of r.tags) lines.push(`  tag       ${t.tag.padEnd(20)} ${t.digest}`);
  if (r.tags.length === 0) lines.push('  tags      none');
  if (r.tagsTruncated) lines.push(`  tags      (more tags exist than the ${r.tags.length} shown)`);
  lines.push(`  freeze    ${freezeText(r.freeze)}`);
  for (const h of r.holds) lines.push(`  hold      ${holdText(h)}`);
  if (r.holds.length === 0) lines.push('  holds     none');
  if (r.digest) lines.push(`  held      ${r.held ? 'yes: it cannot be promoted here' : 'no'}`);
  const stages = Object.values(r.stages);
  for (const v of stages) lines.push(`  stage     ${stageText(v)}`);
  if (r.digest && stages.length === 0) lines.push('  stages    no verification recorded');
  const out = lines.map(escapeText);
  if (r.history.length > 0) {
    out.push('History (newest first):', ...historyLines(r.history).map((l) => `  ${l}`));
  } else {
    out.push('History: none recorded');
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Markdown

const row = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
const head = (cells: readonly string[]) => [row(cells), row(cells.map(() => '---'))];

/**
 * mdLink renders a run URL: a link when it is http(s), with every character that could
 * end the link or a table cell percent-encoded; else the text, escaped; `—` when absent.
 */
export function mdLink(url: string | null, label = 'run'): string {
  if (!url) return '—';
  let href: string;
  try {
    const u = new URL(url);
    if (u.protocol !== 'https:' && u.protocol !== 'http:') return mdText(url);
    href = u.href;
  } catch {
    return mdText(url);
  }
  const safe = href.replace(
    /[()[\]<>|`"'\\\s*_~]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`,
  );
  return `[${label}](${safe})`;
}

const mdWho = (actor: string | null) => (actor ? mdText(actor) : '—');

function freezeMarkdown(f: Freeze | null): string {
  if (!f) return '**Freeze:** none.';
  const until = f.until ? ` until ${mdText(f.until)}` : ' until unfrozen';
  return `**Freeze:** 🧊 frozen since ${mdText(f.time)} by ${mdWho(f.actor)}${until}: ${mdText(f.reason)} (${mdLink(f.runUrl)})`;
}

function holdsMarkdown(r: StatusResult): string[] {
  if (r.holds.length === 0) return ['**Holds:** none.'];
  return [
    '**Holds:**',
    '',
    ...r.holds.map(
      (h) =>
        `- ⛔ ${mdCode(h.digest)} held since ${mdText(h.time)} by ${mdWho(h.actor)}: ${mdText(h.reason)} (${mdLink(h.runUrl)})`,
    ),
  ];
}

const RESULT_MARK: Record<string, string> = { passed: '✅ passed', failed: '❌ failed' };

function stagesMarkdown(r: StatusResult): string[] {
  const stages = Object.values(r.stages);
  if (stages.length === 0) return r.digest ? ['No verification recorded.'] : [];
  return [
    ...head(['stage', 'result', 'time', 'actor', 'run']),
    ...stages.map((v) =>
      row([
        mdCode(v.stage),
        RESULT_MARK[v.result] ?? mdText(v.result),
        mdText(v.time),
        mdWho(v.actor),
        mdLink(v.runUrl),
      ]),
    ),
  ];
}

/** noteOf says what an entry adds: its source, reason, stage verdict, overrides. */
function noteOf(e: LedgerEntry): string {
  if (e.tag === null) {
    if (e.action === 'attest') {
      return `${mdCode(e.stage ?? '?')} ${RESULT_MARK[e.result ?? ''] ?? '?'}${e.summary ? `: ${mdText(e.summary)}` : ''}`;
    }
    return `${mdText(e.reason ?? '')}${e.until ? ` (until ${mdText(e.until)})` : ''}`;
  }
  const notes = [
    ...(e.source ? [`from ${mdCode(e.source.replace(/@sha(256|512):[0-9a-f]+$/, ''))}`] : []),
    ...(e.reason ? [mdText(e.reason)] : []),
    ...(e.overrides ?? []).map(
      (o) => `${o.gate === 'hold' ? 'allowed held' : 'override freeze'}: ${mdText(o.reason)}`,
    ),
  ];
  return notes.join('; ') || '—';
}

function historyMarkdown(r: StatusResult): string[] {
  if (r.history.length === 0) return ['No history recorded.'];
  return [
    ...head(['time', 'action', 'tag', 'digest', 'by', 'note']),
    ...r.history.map((e) =>
      row([
        mdText(safeTime(e.time)),
        mdText(e.action),
        e.tag === null ? '—' : mdCode(e.tag),
        e.digest ? mdCode(shortDigest(e.digest)) : '—',
        mdWho(e.actor),
        noteOf(e),
      ]),
    ),
  ];
}

/** statusMarkdown renders a status as a GitHub step summary section. */
export function statusMarkdown(r: StatusResult): string {
  const lines = [`### oci-promote status of ${mdCode(subjectOf(r))}`, ''];
  if (r.tags.length > 0) {
    lines.push(
      ...head(['tag', 'digest']),
      ...r.tags.map((t) => row([mdCode(t.tag), mdCode(t.digest)])),
    );
  } else {
    lines.push('No tags.');
  }
  if (r.tagsTruncated) lines.push('', `_More tags exist than the ${r.tags.length} shown._`);
  lines.push('', freezeMarkdown(r.freeze), '', ...holdsMarkdown(r));
  if (r.digest) {
    lines.push(
      '',
      r.held ? '**This digest is held:** it cannot be promoted here.' : 'This digest is not held.',
    );
  }
  const stages = stagesMarkdown(r);
  if (stages.length > 0) lines.push('', '#### Stages', '', ...stages);
  lines.push('', '#### Recent history', '', ...historyMarkdown(r));
  const diagram = statusMermaid(r);
  if (diagram) lines.push('', '```mermaid', diagram, '```');
  return `${lines.join('\n')}\n`;
}
