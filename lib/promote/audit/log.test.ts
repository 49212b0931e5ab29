import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { now, promotion, prov, rollback } from '../../../test/helpers/audit-results.js';
import {
  type AuditEvent,
  auditEventFromFailure,
  auditEventFromPromotion,
  auditEventFromRollback,
} from './event.js';
import { appendAuditLog, checkAuditLog } from './log.js';

const dir = await mkdtemp(join(tmpdir(), 'oci-promote-audit-test-'));
t.teardown(() => rm(dir, { recursive: true, force: true }));

t.test('appendAuditLog: two events are two lines, in order, created 0644', async (t) => {
  const path = join(dir, 'two.jsonl');
  const a = auditEventFromPromotion(promotion, prov, now);
  const b = auditEventFromFailure(
    { action: 'rollback', repository: 'r/o/app', tag: 'prod' },
    new Error('two\nlines'),
    undefined,
    now,
  );
  await appendAuditLog(path, a);
  await appendAuditLog(path, b);
  const text = await readFile(path, 'utf8');
  t.ok(text.endsWith('\n'));
  const lines = text.split('\n').slice(0, -1);
  t.equal(lines.length, 2);
  t.strictSame(JSON.parse(lines[0]!), a);
  t.strictSame(JSON.parse(lines[1]!), b);
  const umask = process.umask();
  t.equal((await stat(path)).mode & 0o777, 0o644 & ~umask, 'mode 0644 less the umask');
});

t.test('appendAuditLog keeps what the file already holds', async (t) => {
  const path = join(dir, 'existing.jsonl');
  await writeFile(path, '{"old":true}\n');
  await appendAuditLog(path, auditEventFromRollback(rollback, undefined, now));
  const lines = (await readFile(path, 'utf8')).trimEnd().split('\n');
  t.equal(lines.length, 2);
  t.equal(lines[0], '{"old":true}');
});

t.test('appendAuditLog: 20 concurrent appends of large lines are 20 whole lines', async (t) => {
  const path = join(dir, 'concurrent.jsonl');
  // Lines of ~100 KiB each: large enough that an interleaving writer would show.
  const events = Array.from({ length: 20 }, (_, i) =>
    auditEventFromPromotion(
      {
        ...promotion,
        tags: Array.from({ length: 1500 }, (_, j) => ({
          tag: `v${i}-${j}-${'x'.repeat(20)}`,
          action: 'created' as const,
          previousDigest: null,
        })),
      },
      { actor: `writer-${i}` },
      now,
    ),
  );
  await Promise.all(events.map((e) => appendAuditLog(path, e)));
  const lines = (await readFile(path, 'utf8')).split('\n');
  t.equal(lines.pop(), '', 'ends with a newline');
  t.equal(lines.length, 20);
  const actors = lines.map((l) => (JSON.parse(l) as AuditEvent).actor).sort();
  t.strictSame(actors, events.map((e) => e.actor).sort(), 'each event exactly once');
  for (const l of lines) {
    t.strictSame(
      JSON.parse(l),
      events.find((e) => e.actor === (JSON.parse(l) as AuditEvent).actor),
    );
  }
});

t.test('appendAuditLog: a missing folder is an AuditLogError naming the path', async (t) => {
  const path = join(dir, 'no-such-dir', 'audit.jsonl');
  await t.rejects(appendAuditLog(path, auditEventFromRollback(rollback, undefined, now)), {
    code: 'ERR_AUDIT_LOG',
    message: `cannot append to audit log ${path}: ENOENT`,
  });
});

t.test(
  'checkAuditLog creates an empty file, keeps an existing one, refuses a bad path',
  async (t) => {
    const path = join(dir, 'checked.jsonl');
    await checkAuditLog(path);
    t.equal(await readFile(path, 'utf8'), '');
    await appendAuditLog(path, auditEventFromRollback(rollback, undefined, now));
    await checkAuditLog(path);
    t.equal((await readFile(path, 'utf8')).split('\n').length, 2);
    await t.rejects(checkAuditLog(join(dir, 'nope', 'x.jsonl')), { code: 'ERR_USAGE' });
    await t.rejects(checkAuditLog(dir), { code: 'ERR_USAGE', message: /EISDIR/ });
  },
);
