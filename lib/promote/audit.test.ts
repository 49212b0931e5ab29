import { once } from 'node:events';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import type { Digest } from '../digest.js';
import { NotFoundError, PolicyError } from '../errors.js';
import {
  type AuditEvent,
  appendAuditLog,
  auditError,
  auditEventFromFailure,
  auditEventFromPromotion,
  auditEventFromPrune,
  auditEventFromRollback,
  checkAuditLog,
  notificationText,
  notify,
  notifyUrlOrigin,
} from './audit.js';
import type { PromotionResult, PruneResult, RollbackResult } from './types.js';

const d = (c: string) => `sha256:${c.repeat(64)}` as Digest;
const now = new Date('2025-01-02T03:04:05.678Z');
const prov = { actor: 'alice', runUrl: 'https://github.com/o/app/actions/runs/7' };

const promotion: PromotionResult = {
  source: `ghcr.io/o/staging:1.2.3@${d('a')}`,
  digest: d('a'),
  repository: 'ghcr.io/o/app',
  tags: [
    { tag: '1.2.3', action: 'created', previousDigest: null },
    { tag: '1.2', action: 'moved', previousDigest: d('b') },
    { tag: '1', action: 'moved', previousDigest: d('b') },
    { tag: 'latest', action: 'unchanged', previousDigest: d('a') },
  ],
  copy: {
    manifests: { copied: 1, skipped: 0 },
    blobs: { copied: 2, mounted: 0, skipped: 1 },
    bytesCopied: 1234,
    referrers: [],
  },
  record: d('c'),
  conflicts: [],
  dryRun: false,
};

const rollback: RollbackResult = {
  repository: 'ghcr.io/o/app',
  tag: 'prod',
  digest: d('b'),
  previousDigest: d('a'),
  record: d('e'),
  conflicts: [],
  dryRun: false,
};

const prune: PruneResult = {
  repository: 'registry.example/o/app',
  keep: 3,
  removedRecords: [d('1'), d('2')],
  deleted: [d('3')],
  deletedRecords: [d('4')],
  ignoredRecords: [d('5')],
  deletionSkipped: null,
  dryRun: true,
};

t.test('a promotion event has the contract fields and provenance', async (t) => {
  const e = auditEventFromPromotion(promotion, prov, now);
  t.strictSame(e, {
    time: '2025-01-02T03:04:05.678Z',
    action: 'promote',
    ok: true,
    dryRun: false,
    repository: 'ghcr.io/o/app',
    source: promotion.source,
    digest: d('a'),
    tags: promotion.tags,
    record: d('c'),
    actor: 'alice',
    runUrl: prov.runUrl,
  });
  t.not(e.tags, promotion.tags, 'tags are copied, not shared');
  t.notOk('copy' in e, 'copy statistics stay out of the audit line');
});

t.test(
  'without provenance, actor and runUrl are absent; conflicts appear when there are some',
  async (t) => {
    const conflicts = [{ tag: 'latest', expected: d('a'), found: d('f') }];
    const e = auditEventFromPromotion({ ...promotion, conflicts, dryRun: true }, undefined, now);
    t.notOk('actor' in e);
    t.notOk('runUrl' in e);
    t.equal(e.dryRun, true);
    t.strictSame(e.conflicts, conflicts);
  },
);

t.test('a rollback event', async (t) => {
  t.strictSame(auditEventFromRollback(rollback, { actor: 'bob' }, now), {
    time: '2025-01-02T03:04:05.678Z',
    action: 'rollback',
    ok: true,
    dryRun: false,
    repository: 'ghcr.io/o/app',
    tag: 'prod',
    digest: d('b'),
    previousDigest: d('a'),
    record: d('e'),
    actor: 'bob',
  });
});

t.test('a prune event', async (t) => {
  t.strictSame(auditEventFromPrune(prune, {}, now), {
    time: '2025-01-02T03:04:05.678Z',
    action: 'prune',
    ok: true,
    dryRun: true,
    repository: 'registry.example/o/app',
    removedRecords: [d('1'), d('2')],
    deleted: [d('3')],
    deletedRecords: [d('4')],
    ignoredRecords: [d('5')],
    deletionSkipped: null,
  });
});

t.test('a failure event carries the error code and a one-line message', async (t) => {
  const e = auditEventFromFailure(
    { action: 'promote', repository: 'ghcr.io/o/app', source: 'ghcr.io/o/staging:1.2.3' },
    new PolicyError('tag 1.2.3 exists with another digest\nuse --allow-overwrite'),
    prov,
    now,
  );
  t.strictSame(e, {
    time: '2025-01-02T03:04:05.678Z',
    action: 'promote',
    ok: false,
    dryRun: false,
    repository: 'ghcr.io/o/app',
    source: 'ghcr.io/o/staging:1.2.3',
    actor: 'alice',
    runUrl: prov.runUrl,
    error: {
      code: 'ERR_POLICY',
      message: 'tag 1.2.3 exists with another digest use --allow-overwrite',
    },
  });
  const r = auditEventFromFailure(
    { action: 'rollback', repository: 'ghcr.io/o/app', tag: 'prod', dryRun: true },
    new NotFoundError({
      status: 404,
      method: 'GET',
      url: 'https://ghcr.io/v2/o/app/manifests/prod',
    }),
    undefined,
    now,
  );
  t.equal(r.tag, 'prod');
  t.equal(r.dryRun, true);
  t.equal(r.error?.code, 'ERR_NOT_FOUND');
});

t.test('auditError: unknown errors, non-errors, long messages', async (t) => {
  t.strictSame(auditError(new Error('boom')), { code: 'ERR_UNEXPECTED', message: 'boom' });
  t.strictSame(auditError('just a string'), { code: 'ERR_UNEXPECTED', message: 'just a string' });
  const long = auditError(new Error('x'.repeat(5000)));
  t.equal(long.message.length, 2000);
  t.ok(long.message.endsWith('…'));
});

t.test('notificationText', async (t) => {
  const cases: [string, AuditEvent, string][] = [
    [
      'promotion',
      auditEventFromPromotion(promotion, prov, now),
      `✅ promoted ghcr.io/o/staging:1.2.3 (sha256:aaaaaaaaaaaa) to ghcr.io/o/app → 1.2.3, 1.2, 1 by alice — <${prov.runUrl}>`,
    ],
    [
      'dry-run promotion, no provenance',
      auditEventFromPromotion({ ...promotion, dryRun: true }, undefined, now),
      '✅ dry run: would promote ghcr.io/o/staging:1.2.3 (sha256:aaaaaaaaaaaa) to ghcr.io/o/app → 1.2.3, 1.2, 1',
    ],
    [
      're-promotion changing nothing',
      auditEventFromPromotion(
        {
          ...promotion,
          tags: [{ tag: '1.2.3', action: 'unchanged', previousDigest: d('a') }],
          record: null,
        },
        { actor: 'alice' },
        now,
      ),
      '✅ ghcr.io/o/staging:1.2.3 (sha256:aaaaaaaaaaaa) already promoted to ghcr.io/o/app → 1.2.3 (no tag changed) by alice',
    ],
    [
      'a hotfix: only the tags already on the digest count as promoted',
      auditEventFromPromotion(
        {
          ...promotion,
          tags: [
            { tag: '1.4.9', action: 'unchanged', previousDigest: d('a') },
            { tag: 'latest', action: 'unchanged', previousDigest: d('f'), reason: 'higher' },
          ],
          record: null,
        },
        undefined,
        now,
      ),
      '✅ ghcr.io/o/staging:1.2.3 (sha256:aaaaaaaaaaaa) already promoted to ghcr.io/o/app → 1.4.9 (no tag changed)',
    ],
    [
      'promotion with a conflict',
      auditEventFromPromotion(
        {
          ...promotion,
          tags: [{ tag: 'latest', action: 'moved', previousDigest: d('b') }],
          conflicts: [{ tag: 'latest', expected: d('a'), found: d('f') }],
        },
        undefined,
        now,
      ),
      '✅ promoted ghcr.io/o/staging:1.2.3 (sha256:aaaaaaaaaaaa) to ghcr.io/o/app → latest ⚠️ moved by another writer since: latest',
    ],
    [
      'rollback',
      auditEventFromRollback(rollback, prov, now),
      `↩️ rolled back ghcr.io/o/app:prod to sha256:bbbbbbbbbbbb (was sha256:aaaaaaaaaaaa) by alice — <${prov.runUrl}>`,
    ],
    [
      'prune (dry run)',
      auditEventFromPrune(prune, undefined, now),
      '🧹 dry run: would prune registry.example/o/app: 2 history records, 1 image deleted',
    ],
    [
      'prune where deletion is not possible',
      auditEventFromPrune(
        { ...prune, dryRun: false, deleted: [], deletionSkipped: 'ghcr.io needs the Packages API' },
        undefined,
        now,
      ),
      '🧹 pruned registry.example/o/app: 2 history records, 0 images deleted (deletion skipped: ghcr.io needs the Packages API)',
    ],
    [
      'failed promotion; markup in the message is escaped',
      auditEventFromFailure(
        { action: 'promote', repository: 'ghcr.io/o/app', source: `ghcr.io/o/staging@${d('a')}` },
        new PolicyError('no referrer <application/vnd.dev.cosign> & no luck'),
        prov,
        now,
      ),
      `❌ promotion of ghcr.io/o/staging to ghcr.io/o/app failed: no referrer &lt;application/vnd.dev.cosign&gt; &amp; no luck by alice — <${prov.runUrl}>`,
    ],
    [
      'failed rollback',
      auditEventFromFailure(
        { action: 'rollback', repository: 'ghcr.io/o/app', tag: 'prod' },
        new Error('nothing to roll back to'),
        undefined,
        now,
      ),
      '❌ rollback of ghcr.io/o/app:prod failed: nothing to roll back to',
    ],
    [
      'failed dry-run prune',
      auditEventFromFailure(
        { action: 'prune', repository: 'r/o/app', dryRun: true },
        new Error('x'),
        undefined,
        now,
      ),
      '❌ dry run: prune of r/o/app failed: x',
    ],
  ];
  for (const [name, event, want] of cases) t.equal(notificationText(event), want, name);
});

// ---------------------------------------------------------------------------------------------
// Audit log file

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

// ---------------------------------------------------------------------------------------------
// Notifications, against a real local HTTP server

interface Received {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

async function server(
  t: Test,
  handler: (req: IncomingMessage, res: ServerResponse, body: string) => void,
): Promise<{ base: string; received: Received[]; srv: Server }> {
  const received: Received[] = [];
  const srv = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      received.push({ method: req.method!, url: req.url!, headers: req.headers, body });
      handler(req, res, body);
    });
  });
  srv.listen(0, '127.0.0.1');
  await once(srv, 'listening');
  t.teardown(() => {
    srv.closeAllConnections();
    srv.close();
  });
  const { port } = srv.address() as AddressInfo;
  return { base: `http://127.0.0.1:${port}`, received, srv };
}

const SECRET = '/services/T000/B000/s3cr3tT0k3n';

t.test('notify delivers { text, event } as JSON', async (t) => {
  const { base, received } = await server(t, (_req, res) => res.end('ok'));
  const event = auditEventFromPromotion(promotion, prov, now);
  const r = await notify(`${base}${SECRET}?x=1`, event);
  t.strictSame(r, { ok: true, status: 200 });
  t.equal(received.length, 1);
  const got = received[0]!;
  t.equal(got.method, 'POST');
  t.equal(got.url, `${SECRET}?x=1`);
  t.match(got.headers['content-type'], /^application\/json/);
  t.equal(got.headers.authorization, undefined, 'no credentials are sent');
  t.strictSame(JSON.parse(got.body), { text: notificationText(event), event });
});

t.test('notify: a non-2xx answer is not ok; the error names the origin only', async (t) => {
  const { base } = await server(t, (_req, res) => {
    res.statusCode = 404;
    // The receiver quotes the path JSON-escaped (`\/`): no replacement of the path catches that.
    res.end(JSON.stringify({ error: 'no_service', path: SECRET }).replace(/\//g, '\\/'));
  });
  const r = await notify(`${base}${SECRET}`, auditEventFromRollback(rollback, undefined, now));
  t.equal(r.ok, false);
  t.equal(r.status, 404);
  t.equal(
    r.error,
    `notification to ${base} answered HTTP 404`,
    'the receiver’s body is not quoted',
  );
});

t.test('notify: a redirect is not followed', async (t) => {
  const { base, received } = await server(t, (req, res) => {
    if (req.url === '/elsewhere') return res.end('ok');
    res.writeHead(302, { location: '/elsewhere' });
    res.end();
  });
  const r = await notify(`${base}/hook`, auditEventFromRollback(rollback, undefined, now));
  t.equal(r.ok, false);
  t.equal(r.status, 302);
  t.equal(received.length, 1);
});

t.test('notify: a server that does not answer times out', async (t) => {
  const { base } = await server(t, () => {
    // Never answers.
  });
  const started = Date.now();
  const r = await notify(`${base}${SECRET}`, auditEventFromRollback(rollback, undefined, now), {
    timeoutMs: 200,
  });
  t.equal(r.ok, false);
  t.equal(r.status, undefined);
  t.equal(r.error, `notification to ${base} failed: timed out after 200 ms`);
  t.ok(Date.now() - started < 5000, 'gave up promptly');
});

t.test('notify: the caller can abort', async (t) => {
  const { base } = await server(t, () => {});
  const ac = new AbortController();
  setTimeout(() => ac.abort(), 50);
  const r = await notify(`${base}/hook`, auditEventFromRollback(rollback, undefined, now), {
    signal: ac.signal,
  });
  t.strictSame(r, { ok: false, error: `notification to ${base} failed: aborted` });
});

t.test('notify: connection refused is reported without the URL path', async (t) => {
  const { base, srv } = await server(t, () => {});
  srv.close();
  await once(srv, 'close');
  const r = await notify(`${base}${SECRET}`, auditEventFromRollback(rollback, undefined, now));
  t.equal(r.ok, false);
  t.match(r.error, new RegExp(`^notification to ${base} failed: .*ECONNREFUSED`));
  t.notMatch(r.error, /s3cr3t/);
});

t.test('notify never throws on a bad URL, and does not echo it', async (t) => {
  const event = auditEventFromRollback(rollback, undefined, now);
  const bad = await notify('not a url s3cr3t', event);
  t.strictSame(bad, { ok: false, error: 'the notification URL is not a valid URL' });
  const ftp = await notify('ftp://example.com/s3cr3t', event);
  t.equal(ftp.ok, false);
  t.notMatch(ftp.error, /s3cr3t/);
  const creds = await notify('https://user:s3cr3t@example.com/hook', event);
  t.equal(creds.ok, false);
  t.notMatch(creds.error, /s3cr3t/);
});

t.test('notifyUrlOrigin', async (t) => {
  t.equal(notifyUrlOrigin('https://hooks.slack.com/services/T/B/x'), 'https://hooks.slack.com');
  t.equal(notifyUrlOrigin('http://127.0.0.1:8080/h?token=1'), 'http://127.0.0.1:8080');
  t.throws(() => notifyUrlOrigin('file:///etc/passwd'), { code: 'ERR_USAGE' });
  t.throws(() => notifyUrlOrigin('https://a:b@x.example/'), { code: 'ERR_USAGE' });
  t.throws(() => notifyUrlOrigin('s3cr3t'), { code: 'ERR_USAGE', message: /^((?!s3cr3t).)*$/ });
});
