/**
 * The one human line of a notification (Slack incoming webhooks render `text`), e.g.
 * `✅ promoted ghcr.io/o/staging:1.2.3 (sha256:0123456789ab) to ghcr.io/o/app → 1.2.3, 1.2, 1, latest by alice — <https://github.com/o/app/actions/runs/1>`.
 */
import { shortDigest } from '../../digest.js';
import type { AuditEvent } from './event.js';

/** slack escapes the three characters Slack's mrkdwn treats as markup. */
function slack(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** withoutDigest drops `@sha256:…` from a reference (the digest is printed short). */
function withoutDigest(ref: string): string {
  const at = ref.indexOf('@');
  return at >= 0 ? ref.slice(0, at) : ref;
}

/** failureLine: what failed and why; a gate's refusal says which gate refused. */
function failureLine(e: AuditEvent, dry: string, repo: string): string {
  const what =
    e.action === 'promote'
      ? `promotion of ${slack(withoutDigest(e.source ?? '?'))} to ${repo}`
      : e.action === 'rollback'
        ? `rollback of ${repo}${e.tag ? `:${slack(e.tag)}` : ''}`
        : `${e.action} of ${repo}${e.digest ? `@${slack(shortDigest(e.digest))}` : e.tag ? `:${slack(e.tag)}` : ''}`;
  const message = e.error ? slack(e.error.message) : 'unknown error';
  if (e.refused) return `🚫 ${dry}${what} refused by ${e.refused}: ${message}`;
  return `❌ ${dry}${what} failed: ${message}`;
}

/** The verb and mark of each evidence action: done, and planned (dry run). */
const EVIDENCE: Record<string, [mark: string, done: string, planned: string]> = {
  attest: ['📝', 'attested', 'would attest'],
  hold: ['⛔', 'held', 'would hold'],
  release: ['🔓', 'released', 'would release'],
  freeze: ['🧊', 'froze', 'would freeze'],
  unfreeze: ['🌤️', 'unfroze', 'would unfreeze'],
};

/** evidenceLine: what was recorded about which image or repository, and why. */
function evidenceLine(e: AuditEvent, repo: string): string {
  const [mark, done, planned] = EVIDENCE[e.action] ?? ['•', e.action, `would ${e.action}`];
  const verb = e.dryRun ? `dry run: ${planned}` : done;
  const image = e.digest ? `${repo}@${shortDigest(e.digest)}` : repo;
  if (e.action === 'attest') {
    return `${mark} ${verb} ${image}: ${slack(e.stage ?? '?')} ${e.result ?? '?'}`;
  }
  const until = e.until ? ` until ${slack(e.until)}` : '';
  return `${mark} ${verb} ${image}${until}: ${slack(e.reason ?? '')}`;
}

/** promotionLine: the tags that changed, or that nothing did. */
function promotionLine(e: AuditEvent, dry: string, repo: string): string {
  const source = `${slack(withoutDigest(e.source ?? '?'))}${e.digest ? ` (${shortDigest(e.digest)})` : ''}`;
  const tags = e.tags ?? [];
  const changed = tags.filter((t) => t.action !== 'unchanged').map((t) => slack(t.tag));
  if (changed.length > 0) {
    return `✅ ${e.dryRun ? 'dry run: would promote' : 'promoted'} ${source} to ${repo} → ${changed.join(', ')}`;
  }
  const all = tags
    .filter((t) => t.previousDigest === e.digest)
    .map((t) => slack(t.tag))
    .join(', ');
  return `✅ ${dry}${source} already promoted to ${repo}${all ? ` → ${all}` : ''} (no tag changed)`;
}

function rollbackLine(e: AuditEvent, repo: string): string {
  const target = `${repo}${e.tag ? `:${slack(e.tag)}` : ''}`;
  const to = e.digest ? shortDigest(e.digest) : '?';
  const was = e.previousDigest ? ` (was ${shortDigest(e.previousDigest)})` : '';
  return `↩️ ${e.dryRun ? 'dry run: would roll back' : 'rolled back'} ${target} to ${to}${was}`;
}

function pruneLine(e: AuditEvent, repo: string): string {
  const records = e.removedRecords?.length ?? 0;
  const deleted = e.deleted?.length ?? 0;
  const verb = e.dryRun ? 'dry run: would prune' : 'pruned';
  const skipped = e.deletionSkipped ? ` (deletion skipped: ${slack(e.deletionSkipped)})` : '';
  return `🧹 ${verb} ${repo}: ${records} history record${records === 1 ? '' : 's'}, ${deleted} image${deleted === 1 ? '' : 's'} deleted${skipped}`;
}

/**
 * notificationText is the one human line of a notification. Slack markup characters in
 * names and messages are escaped; the run URL is a link.
 */
export function notificationText(e: AuditEvent): string {
  const by = e.actor ? ` by ${slack(e.actor)}` : '';
  const link = e.runUrl ? ` — <${e.runUrl.replace(/[<>|\s]/g, encodeURIComponent)}>` : '';
  const dry = e.dryRun ? 'dry run: ' : '';
  const repo = slack(e.repository);
  let line = !e.ok
    ? failureLine(e, dry, repo)
    : e.action === 'promote'
      ? promotionLine(e, dry, repo)
      : e.action === 'rollback'
        ? rollbackLine(e, repo)
        : e.action === 'prune'
          ? pruneLine(e, repo)
          : evidenceLine(e, repo);
  if (e.ok && e.conflicts && e.conflicts.length > 0) {
    line += ` ⚠️ moved by another writer since: ${e.conflicts.map((c) => slack(c.tag)).join(', ')}`;
  }
  return `${line}${by}${link}`;
}
