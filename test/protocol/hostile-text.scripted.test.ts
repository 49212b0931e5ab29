/**
 * Registry text never reaches the GitHub Actions runner as a command, nor a terminal as
 * raw control characters: error bodies that inject `::error::`, `::add-mask::`,
 * `::stop-commands::`, `##[…]`, CR/LF and ANSI sequences through retry warnings and
 * failures, and ledger entries whose time, actor and source carry the same, are printed
 * escaped. The only workflow commands on stderr are the tool's own annotations.
 */
import { createHash } from 'node:crypto';
import t, { type Test } from 'tap';
import { cliEnv } from '../helpers/cli.js';
import { scriptedServer } from '../helpers/scripted-server.js';

const INJECT =
  'busy\n::error::pwned-by-registry\r\n::add-mask::hidden\n::stop-commands::tok\r##[error]v1 \x1b[31mred\x1b[0m \x9b2J \u2028 \u202eevil';

const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
const RECORD_TYPE = 'application/vnd.oci-promote.record.v1+json';

/** show quotes captured output for a message (raw control characters would garble TAP). */
const show = (s: unknown) =>
  (JSON.stringify(s) ?? '').replace(
    /[\u007f-\u009f\u2028\u2029\u202a-\u202e]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );

/** lines splits output the way the runner reads it (C# ReadLine: \n, \r, \r\n). */
const lines = (s: string) => s.split(/\r\n|\r|\n/);

/**
 * assertInert: no line starts a workflow command (the runner trims the line first) other
 * than the tool's own annotations, no `##[` anywhere, no raw ESC, CSI, line separator or
 * bidi override.
 */
function assertInert(t: Test, text: string, what: string, own: RegExp | null = null): void {
  for (const line of lines(text)) {
    const trimmed = line.replace(/^[\s\u0085]+/, '');
    if (trimmed.startsWith('::') && !own?.test(line)) {
      t.fail(`${what}: a line starts a workflow command: ${show(line)}`);
    }
  }
  t.notOk(text.includes('##['), `${what}: no ##[ command`);
  t.notOk(/[\x1b\x9b\u2028\u2029\u202e]/.test(text), `${what}: no raw ESC, CSI, U+2028, bidi`);
}

const hostileError = (status: number) => ({
  status,
  body: { errors: [{ code: status === 503 ? 'UNAVAILABLE' : 'DENIED', message: INJECT }] },
});

t.test('a hostile error body in retry warnings and the failure line', async (t) => {
  const reg = await scriptedServer(t, [
    { method: 'GET', path: '/v2/app/manifests/v1', reply: hostileError(503) },
    { method: 'GET', path: '/v2/app/manifests/v1', reply: hostileError(400) },
  ]);
  const cli = await cliEnv(t);
  const r = await cli.run(['inspect', '--plain-http', `${reg.host}/app:v1`], {
    env: { GITHUB_ACTIONS: 'true' },
  });
  t.equal(r.code, 1, show(r.stderr));
  t.ok(r.stderr.includes('retrying after a transient failure'), 'the retry warning was printed');
  t.ok(
    r.stderr.includes('busy\\n::error::pwned-by-registry\\r\\n::add-mask::hidden'),
    'the registry message is shown with its line breaks escaped',
  );
  assertInert(t, r.stderr, 'stderr');
  assertInert(t, r.stdout, 'stdout');
});

t.test('--json: stdout is one JSON document, stderr stays inert', async (t) => {
  const reg = await scriptedServer(t, [
    { method: 'GET', path: '/v2/app/manifests/v1', reply: hostileError(503) },
    { method: 'GET', path: '/v2/app/manifests/v1', reply: hostileError(400) },
  ]);
  const cli = await cliEnv(t);
  const r = await cli.run([
    'inspect',
    '--plain-http',
    '--json',
    '--log-format',
    'json',
    `${reg.host}/app:v1`,
  ]);
  t.equal(r.code, 1, show(r.stderr));
  t.ok(
    r.json().error.message.includes('pwned-by-registry'),
    'the --json error carries the message',
  );
  const logLines = r.stderr.split('\n').filter((l) => l.startsWith('{'));
  t.equal(logLines.length, 1, 'the retry warning is a JSON log line');
  for (const line of logLines) {
    t.ok(JSON.parse(line).error.includes('pwned-by-registry'), 'a JSON log line stays JSON');
  }
  assertInert(t, r.stderr, 'stderr');
  assertInert(t, r.stdout, 'stdout');
});

t.test('a failed promote in GitHub Actions: one annotation, the tool’s own', async (t) => {
  const reg = await scriptedServer(t, [
    { method: 'GET', path: '/v2/staging/app/manifests/v1', reply: hostileError(400) },
  ]);
  const cli = await cliEnv(t);
  const r = await cli.run(
    ['promote', '--plain-http', `${reg.host}/staging/app:v1`, '--to', `${reg.host}/app`],
    {
      env: { GITHUB_ACTIONS: 'true' },
    },
  );
  t.equal(r.code, 1, show(r.stderr));
  const own = /^::error title=oci-promote promote::/;
  const commands = lines(r.stderr).filter((l) => l.trimStart().startsWith('::'));
  t.equal(commands.length, 1, 'exactly one workflow command');
  t.ok(own.test(commands[0] ?? ''), show(commands[0]));
  t.ok(commands[0]?.includes('pwned-by-registry'), 'the annotation carries the message');
  assertInert(t, r.stderr, 'stderr', own);
});

/** A ledger whose entries carry hostile time, actor and source annotations. */
function hostileLedger(): Buffer {
  const digest = `sha256:${'a'.repeat(64)}`;
  const record = (n: number, time: string, actor: string, source: string) => ({
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    artifactType: RECORD_TYPE,
    digest: `sha256:${createHash('sha256').update(`record-${n}`).digest('hex')}`,
    size: 100,
    annotations: {
      'org.opencontainers.image.created': time,
      'dev.oci-promote.action': 'promote',
      'dev.oci-promote.digest': digest,
      'dev.oci-promote.tags': JSON.stringify([
        { tag: 'v1', action: 'created', previousDigest: null },
      ]),
      'dev.oci-promote.source': source,
      'dev.oci-promote.actor': actor,
    },
  });
  return Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_INDEX,
      artifactType: 'application/vnd.oci-promote.ledger.v1+json',
      manifests: [
        record(1, '::error::from-time', 'mallory', 'reg/staging/app:v1'),
        record(2, '2026-12-01T00:00:00Z', `mallory${INJECT}`, `reg/x:v1\n::warning::from-source`),
      ],
    }),
  );
}

t.test('history prints hostile ledger entries escaped', async (t) => {
  const ledger = hostileLedger();
  const digest = `sha256:${createHash('sha256').update(ledger).digest('hex')}`;
  const reg = await scriptedServer(t, [
    {
      method: 'GET',
      path: '/v2/app/manifests/oci-promote-history',
      reply: {
        status: 200,
        headers: { 'content-type': OCI_INDEX, 'docker-content-digest': digest },
        body: ledger,
      },
    },
    // The ledger read lists the tags (journal entries the ledger lacks); there are none.
    { method: 'GET', path: '/v2/app/tags/list?n=1000', reply: { status: 200, body: { tags: [] } } },
  ]);
  const cli = await cliEnv(t);
  const r = await cli.run(['history', '--plain-http', `${reg.host}/app`], {
    env: { GITHUB_ACTIONS: 'true' },
  });
  t.equal(r.code, 0, show(r.stderr));
  t.ok(r.stdout.includes('mallorybusy\\n::error::pwned-by-registry\\r\\n'), 'actor shown, escaped');
  t.ok(r.stdout.includes('\\x1b[31mred'), 'ANSI shown as an escape');
  t.ok(r.stdout.includes('reg/x:v1\\n::warning::from-source'), 'source shown, escaped');
  t.equal(lines(r.stdout.trimEnd()).length, 2, 'one line per record');
  assertInert(t, r.stdout, 'stdout');
  assertInert(t, r.stderr, 'stderr');
});

t.test('tags: a hostile tag list cannot start a workflow command', async (t) => {
  const reg = await scriptedServer(t, [
    {
      method: 'GET',
      path: (p) => p.startsWith('/v2/app/tags/list'),
      reply: {
        status: 200,
        body: { name: 'app', tags: ['v1', '::error::from-tag', `v2${INJECT}`, '  ::add-mask::x'] },
      },
    },
  ]);
  const cli = await cliEnv(t);
  const r = await cli.run(['tags', '--plain-http', `${reg.host}/app`], {
    env: { GITHUB_ACTIONS: 'true' },
  });
  t.equal(r.code, 0, show(r.stderr));
  t.ok(r.stdout.split('\n').includes('v1'), 'the valid tag is listed');
  assertInert(t, r.stdout, 'stdout');
  assertInert(t, r.stderr, 'stderr');
});
