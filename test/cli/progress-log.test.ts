// Progress in a CI log (stderr not a terminal): a multi-MiB copy from a source that
// trickles (the fault proxy's 'slow' rule, so the copy lasts seconds on any machine)
// prints plain `info: copying: <done> of <total> (<n>%) at <rate>/s, ETA <t>` lines;
// --quiet prints none, and --json keeps them off stdout.
import t from 'tap';
import { startFaultProxy } from '../helpers/fault-proxy.js';
import { stager } from '../helpers/seed.js';
import { twoRegistries } from '../helpers/setup.js';

const { src, dst, cli, work } = await twoRegistries(t, 'progress-log');
const stage = stager(src, work, 'progress-log', { layerSize: 2 * 1024 * 1024 });
await stage('app', 'v1');
const proxy = await startFaultProxy(t, src);
// At most 64 KiB every 100 ms: the 2 MiB layer takes about 3 s, whatever the machine.
proxy.addRule({
  name: 'trickle',
  method: 'GET',
  path: /\/blobs\/sha256:/,
  action: { type: 'slow', stallMs: 100, chunkBytes: 64 * 1024 },
});

const LINE =
  /^info: copying: \d+\.\d (KiB|MiB) of 2\.0 MiB \(\d+%\) at \d+(\.\d)? (B|KiB|MiB)\/s, ETA (\d+s|--)$/;

t.test('off a terminal: progress lines with done, total, percent, rate and ETA', async (t) => {
  const r = await cli.run(['copy', '--plain-http', `${proxy.host}/app:v1`, `${dst.host}/out/a:v1`]);
  t.equal(r.code, 0, r.stderr);
  const lines = r.stderr.split('\n').filter((l) => l.startsWith('info: copying:'));
  t.ok(lines.length >= 1, `at least one progress line:\n${r.stderr}`);
  for (const l of lines) t.match(l, LINE);
  t.notMatch(r.stderr, /\x1b\[K/, 'no terminal codes in a log');
});

t.test('--quiet: no progress; --json: progress never on stdout', async (t) => {
  const quiet = await cli.run([
    'copy',
    '--plain-http',
    '--quiet',
    `${proxy.host}/app:v1`,
    `${dst.host}/out/b:v1`,
  ]);
  t.equal(quiet.code, 0, quiet.stderr);
  t.equal(quiet.stderr, '');
  const json = await cli.run([
    'copy',
    '--plain-http',
    '--json',
    `${proxy.host}/app:v1`,
    `${dst.host}/out/c:v1`,
  ]);
  t.equal(json.code, 0, json.stderr);
  t.equal(json.json().blobs.copied, 2, 'stdout is the one document');
  t.match(json.stderr, /^info: copying: /m, 'progress on stderr');
});
