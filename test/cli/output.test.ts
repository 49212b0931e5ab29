// What the CLI prints where: results on stdout (text or one JSON document), logs and
// progress on stderr — one info line per transferred blob off a terminal (and progress lines
// on long copies: test/cli/progress-log.test.ts), a redrawn status line on one, nothing with
// --quiet; --log-format json gives pino lines.
import t from 'tap';
import { cliEnv } from '../helpers/cli.js';
import { startRegistry } from '../helpers/registry.js';
import { seedBusybox } from '../helpers/seed.js';

/** Progress lines come only when a copy lasts over a second (a loaded machine): not counted here. */
const notProgress = (l: string) => l !== '' && !/^info: copying: |"msg":"copying: /.test(l);

const src = await startRegistry(t);
const dst = await startRegistry(t);
const cli = await cliEnv(t);
const bb = await seedBusybox(src, 'staging/busybox');
let serial = 0;
/** Copies the busybox index (3 blobs) to a fresh destination repository. */
const copyIndex = (...flags: string[]) =>
  cli.run(
    [
      'copy',
      '--plain-http',
      ...flags,
      `${src.host}/staging/busybox:multiarch`,
      `${dst.host}/out/n${++serial}:1.0`,
    ],
    {},
  );

t.test('off a terminal: text summary on stdout, one info line per blob on stderr', async (t) => {
  const r = await copyIndex();
  t.equal(r.code, 0, r.stderr);
  const out = r.stdout.split('\n');
  t.match(out[0], /^Copied .*\/staging\/busybox:multiarch@sha256:/);
  t.match(r.stdout, `  digest    ${bb.index}\n`);
  t.match(r.stdout, '  manifests 3 copied, 0 already present\n');
  t.match(r.stdout, / {2}blobs {5}3 copied \(1\.\d MiB\), 0 mounted, 0 already present\n/);
  t.match(r.stdout, '  tag       1.0 created\n');
  const lines = r.stderr.split('\n').filter(notProgress);
  t.equal(lines.length, 3, 'three blobs, three lines');
  for (const l of lines) t.match(l, /^info: blob copied digest=sha256:[0-9a-f]{64} size=\d+$/);
});

t.test('a copy that changes nothing says so', async (t) => {
  const target = `${dst.host}/out/again:1.0`;
  const args = ['copy', '--plain-http', `${src.host}/staging/busybox:multiarch`, target];
  t.equal((await cli.run(args, {})).code, 0);
  const r = await cli.run(args, {});
  t.equal(r.code, 0, r.stderr);
  t.match(r.stdout.split('\n')[0], /^Already up to date: .*\/staging\/busybox:multiarch@sha256:/);
  t.match(r.stdout, '  tag       1.0 unchanged\n');
});

t.test('--json: one document on stdout; logs stay on stderr', async (t) => {
  const r = await copyIndex('--json');
  t.equal(r.code, 0, r.stderr);
  t.equal(r.json().digest, bb.index);
  t.equal(r.stdout.trimEnd().split('\n').at(-1), '}', 'nothing after the document');
  t.equal(r.stderr.split('\n').filter(notProgress).length, 3);
});

t.test('--quiet and --log-level silent: nothing on stderr', async (t) => {
  for (const flags of [['--quiet'], ['-q'], ['--log-level', 'silent']]) {
    const r = await copyIndex(...flags);
    t.equal(r.code, 0, r.stderr);
    t.equal(r.stderr, '', `${flags.join(' ')}: stderr empty`);
  }
});

t.test('--log-format json: pino lines on stderr', async (t) => {
  const r = await copyIndex('--log-format', 'json');
  t.equal(r.code, 0, r.stderr);
  const records = r.stderr
    .split('\n')
    .filter(notProgress)
    .map((l) => JSON.parse(l));
  t.equal(records.length, 3);
  for (const rec of records) t.match(rec, { level: 30, msg: 'blob copied', digest: /^sha256:/ });
});

t.test('on a terminal: a status line, erased at the end', async (t) => {
  const r = await cli.run(
    ['copy', '--plain-http', `${src.host}/staging/busybox:multiarch`, `${dst.host}/out/tty:1.0`],
    { tty: true },
  );
  t.equal(r.code, 0, r.stderr);
  t.match(
    r.stderr,
    /\r\x1b\[K\S+ \S+ of \S+ \S+ \(\d+%\) at \S+ \S+\/s, ETA \S+ · \d+ blob\(s\) done, \d+ in flight/,
    'status line drawn: done of total, percent, rate, ETA',
  );
  t.ok(r.stderr.endsWith('\r\x1b[K'), 'and erased when done');
  t.notMatch(r.stderr, /info: blob copied/, 'no per-blob log lines on a terminal');
});
