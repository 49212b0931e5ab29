// --dry-run speaks in the conditional: every line copy, promote, promote --from-file, rollback
// and prune print (stdout and stderr) says what WOULD happen, never that something was
// copied, created, moved or deleted; every --json document carries dryRun: true; and the
// destination registry sees no write.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import type { CliResult } from '../helpers/cli.js';
import type { RequestLogEntry } from '../helpers/registry/types.js';
import { listTags, stager } from '../helpers/seed.js';
import { twoRegistries } from '../helpers/setup.js';

const { src, dst, cli, work } = await twoRegistries(t, 'dry-run');
const stage = stager(src, work, 'dry-run', { layerSize: 3000, layers: 2 });
await stage('app', '1.0.0');
await stage('app', '1.0.1');

const PAST = /\b(copied|created|moved|deleted|dropped|mounted|promoted|rolled back|written)\b/i;

/** assertConditional: no line speaks of a write as done unless it says "would". */
function assertConditional(t: Test, r: CliResult, what: string): void {
  t.equal(r.code, 0, `${what}: ${r.stderr}`);
  for (const line of `${r.stdout}\n${r.stderr}`.split('\n')) {
    if (PAST.test(line)) t.match(line, /\bwould\b/i, `${what}: conditional line`);
  }
}

const isWrite = (e: RequestLogEntry) => e.method !== 'GET' && e.method !== 'HEAD';

/** dry runs a command text and --json, checking wording, dryRun: true and no write. */
async function dry(t: Test, argv: string[], what: string) {
  await dst.resetRequests();
  const text = await cli.run([...argv, '--plain-http', '--dry-run']);
  assertConditional(t, text, what);
  const json = await cli.run([...argv, '--plain-http', '--dry-run', '--json']);
  t.equal(json.code, 0, json.stderr);
  assertConditional(t, { ...json, stdout: '' }, `${what} --json stderr`);
  t.same(await dst.settledRequests().then((l) => l.filter(isWrite)), [], `${what}: no write`);
  return { text, json: json.json() };
}

t.test('copy --dry-run', async (t) => {
  const { text, json } = await dry(
    t,
    ['copy', `${src.host}/app:1.0.0`, `${dst.host}/prod/copy:1.0.0`],
    'copy',
  );
  t.match(text.stdout, /^Would copy /);
  t.match(text.stdout, /blobs +3 would be copied/);
  t.match(text.stdout, /tag +1\.0\.0 would be created/);
  t.equal(json.dryRun, true);
  t.same(await listTags(dst, 'prod/copy'), []);
});

t.test('promote --dry-run, and --from-file --dry-run', async (t) => {
  const one = await dry(
    t,
    ['promote', `${src.host}/app:1.0.0`, '--to', `${dst.host}/prod/app`, '--semver'],
    'promote',
  );
  t.match(one.text.stdout, /^Would promote /);
  t.match(one.text.stdout, /tag +1\.0\.0 +would be created/);
  t.equal(one.json.dryRun, true);

  const file = join(work, 'promotions.json');
  await writeFile(
    file,
    JSON.stringify({
      promotions: [{ source: `${src.host}/app:1.0.0`, to: `${dst.host}/prod/batch` }],
    }),
  );
  const batch = await dry(t, ['promote', '--from-file', file], 'promote --from-file');
  t.match(batch.text.stdout, /^would promote /m);
  t.equal(batch.json.dryRun, true);
  for (const r of batch.json.results) t.equal(r.result.dryRun, true, 'each entry is a dry run');
  t.same(await listTags(dst, 'prod/app'), []);
  t.same(await listTags(dst, 'prod/batch'), []);
});

t.test('rollback --dry-run and prune --dry-run', async (t) => {
  for (const v of ['1.0.0', '1.0.1']) {
    const r = await cli.run([
      'promote',
      '--plain-http',
      `${src.host}/app:${v}`,
      '--to',
      `${dst.host}/prod/live`,
      '--tag',
      'live',
    ]);
    t.equal(r.code, 0, r.stderr);
  }
  const before = (await listTags(dst, 'prod/live')).sort();
  const rb = await dry(t, ['rollback', `${dst.host}/prod/live:live`], 'rollback');
  t.match(rb.text.stdout, /^Would roll back /);
  t.notMatch(rb.text.stdout, /^ +(now|was) /m, 'no "now"/"was": the tag has not moved');
  t.equal(rb.json.dryRun, true);
  const pr = await dry(t, ['prune', `${dst.host}/prod/live`, '--keep', '1'], 'prune');
  t.match(pr.text.stdout, /would be dropped/);
  t.equal(pr.json.dryRun, true);
  t.same((await listTags(dst, 'prod/live')).sort(), before, 'tags as they were');
});
