// Bad input to the stage-evidence commands and flags (attest, hold, release, freeze,
// unfreeze, status, promote's gates, rollback's reason): exit 2 with one clear line, the
// `--json` error document, and nothing written — the registry's tag list (releases, the
// ledger and every journal tag a record would be stored under) is unchanged and no write
// request reached it.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { cliEnv } from '../helpers/cli.js';
import { startRegistry } from '../helpers/registry.js';
import { BUSYBOX_LAYOUT, listTags, pushLayout } from '../helpers/seed.js';

const reg = await startRegistry(t);
const cli = await cliEnv(t);
const work = await mkdtemp(join(tmpdir(), 'oci-promote-evidence-bad-'));
t.teardown(() => rm(work, { recursive: true, force: true }));
const digest = await pushLayout(reg, BUSYBOX_LAYOUT, 'amd64', 'prod/app', '1.0.0');
await pushLayout(reg, BUSYBOX_LAYOUT, 'amd64', 'staging/app', '1.0.0');
const repo = `${reg.host}/prod/app`;
const image = `${repo}@${digest}`;
const src = `${reg.host}/staging/app:1.0.0`;

const file = async (name: string, text: string) => {
  const path = join(work, name);
  await writeFile(path, text);
  return path;
};
const details = {
  array: await file('array.json', '[1,2]'),
  null: await file('null.json', 'null'),
  string: await file('string.json', '"x"'),
  broken: await file('broken.json', '{"a":'),
  big: await file('big.json', JSON.stringify({ pad: 'x'.repeat(64 * 1024) })),
  missing: join(work, 'missing.json'),
};

const attest = (...more: string[]) => [
  'attest',
  image,
  '--stage',
  'staging',
  '--result',
  'passed',
  ...more,
];
const promote = (...more: string[]) => ['promote', src, '--to', repo, ...more];

// [why, argv, message the error must contain]
const cases: Array<[string, string[], RegExp]> = [
  ['hold without --reason', ['hold', image], /reason/],
  ['hold with an empty --reason', ['hold', image, '--reason', ''], /--reason is required/],
  ['hold with a blank --reason', ['hold', image, '--reason', '   '], /--reason is required/],
  ['release without --reason', ['release', image], /reason/],
  ['hold by tag', ['hold', `${repo}:1.0.0`, '--reason', 'bad'], /a digest, not a tag/],
  ['release by tag', ['release', `${repo}:1.0.0`, '--reason', 'ok'], /a digest, not a tag/],
  [
    'hold by tag and digest',
    ['hold', `${repo}:1.0.0@${digest}`, '--reason', 'bad'],
    /a digest, not a tag/,
  ],
  ['hold a bare repository', ['hold', repo, '--reason', 'bad'], /a digest, not a tag/],
  ['freeze a tag', ['freeze', `${repo}:1.0.0`, '--reason', 'x'], /without tag or digest/],
  ['freeze a digest', ['freeze', image, '--reason', 'x'], /without tag or digest/],
  ['unfreeze a tag', ['unfreeze', `${repo}:1.0.0`, '--reason', 'x'], /without tag or digest/],
  ['freeze without --reason', ['freeze', repo], /reason/],
  ['unfreeze with an empty --reason', ['unfreeze', repo, '--reason', ''], /--reason is required/],
  ['freeze --until a word', ['freeze', repo, '--reason', 'x', '--until', 'tomorrow'], /--until/],
  [
    'freeze --until in the past',
    ['freeze', repo, '--reason', 'x', '--until', '2000-01-01T00:00:00Z'],
    /not in the future/,
  ],
  ['freeze --until 0s', ['freeze', repo, '--reason', 'x', '--until', '0s'], /--until/],
  ['unfreeze --until', ['unfreeze', repo, '--reason', 'x', '--until', '4h'], /until/],
  ['attest --result maybe', ['attest', image, '--stage', 's', '--result', 'maybe'], /--result/],
  ['attest without --result', ['attest', image, '--stage', 's'], /result/],
  ['attest without --stage', ['attest', image, '--result', 'passed'], /stage/],
  [
    'attest --stage with upper case',
    ['attest', image, '--stage', 'Staging', '--result', 'passed'],
    /stage names/,
  ],
  [
    'attest --stage with a space',
    ['attest', image, '--stage', 'stag ing', '--result', 'passed'],
    /stage names/,
  ],
  [
    'attest --stage with a slash',
    ['attest', image, '--stage', '../prod', '--result', 'passed'],
    /stage names/,
  ],
  ['attest --check without =', attest('--check', 'health'), /--check/],
  ['attest --check with an unknown result', attest('--check', 'health=ok'), /--check/],
  ['attest --check with no name', attest('--check', '=passed'), /--check/],
  ['attest --details an array', attest('--details', details.array), /JSON object/],
  ['attest --details null', attest('--details', details.null), /JSON object/],
  ['attest --details a string', attest('--details', details.string), /JSON object/],
  ['attest --details broken JSON', attest('--details', details.broken), /not JSON/],
  ['attest --details over 64 KiB', attest('--details', details.big), /64 KiB/],
  ['attest --details missing', attest('--details', details.missing), /cannot read --details/],
  ['attest --summary empty', attest('--summary', ''), /--summary/],
  [
    'attest a bare name',
    ['attest', repo, '--stage', 's', '--result', 'passed'],
    /no tag or digest/,
  ],
  ['promote --require-verified Bad', promote('--require-verified', 'Bad'), /stage names/],
  ['promote --max-age soon', promote('--require-verified', 's', '--max-age', 'soon'), /--max-age/],
  ['promote --max-age 0s', promote('--require-verified', 's', '--max-age', '0s'), /--max-age/],
  ['promote --max-age alone', promote('--max-age', '1h'), /--require-verified/],
  ['promote --evidence-repo alone', promote('--evidence-repo', repo), /--require-verified/],
  [
    'promote --evidence-repo with a tag',
    promote('--require-verified', 's', '--evidence-repo', `${repo}:1`),
    /repository/,
  ],
  ['promote --allow-held empty', promote('--allow-held', ''), /--allow-held/],
  ['promote --override-freeze empty', promote('--override-freeze', ' '), /--override-freeze/],
  ['rollback --reason empty', ['rollback', `${repo}:1.0.0`, '--reason', ''], /--reason/],
  ['status --json --format markdown', ['status', repo, '--format', 'markdown'], /--json/],
  ['status --format html', ['status', repo, '--format', 'html'], /format/],
];

t.test('bad input: exit 2, one line, the JSON error, nothing written', async (t) => {
  const before = {
    prod: (await listTags(reg, 'prod/app')).sort(),
    staging: (await listTags(reg, 'staging/app')).sort(),
  };
  await reg.resetRequests();
  for (const [why, argv, message] of cases) {
    const r = await cli.run([...argv, '--plain-http', '--json']);
    t.equal(r.code, 2, `${why}: exit 2 (${r.stderr.trim()})`);
    const lines = r.stderr.split('\n').filter(Boolean);
    t.equal(lines.length, 1, `${why}: one line on stderr`);
    t.match(lines[0], /^oci-promote: error: .* \[ERR_(USAGE|INVALID_REFERENCE)\]$/, why);
    const doc = r.json();
    t.same(Object.keys(doc), ['error'], `${why}: the error document`);
    t.match(doc.error.message, message, `${why}: says what is wrong`);
  }
  const writes = (await reg.settledRequests()).filter(
    (q) => q.method !== 'GET' && q.method !== 'HEAD',
  );
  t.same(writes, [], 'no write request reached the registry');
  t.same((await listTags(reg, 'prod/app')).sort(), before.prod, 'prod tags unchanged');
  t.same((await listTags(reg, 'staging/app')).sort(), before.staging, 'staging tags unchanged');
});

t.test('a good --details file and --check pass the same checks (control)', async (t) => {
  const good = await file('good.json', JSON.stringify({ checks: [{ check: 'health' }] }));
  const r = await cli.run([
    ...attest('--check', 'health=passed', '--check', 'p95 latency=failed', '--details', good),
    '--dry-run',
    '--plain-http',
    '--json',
  ]);
  t.equal(r.code, 0, r.stderr);
  t.match(r.json(), { action: 'attest', digest, stage: 'staging', result: 'passed', dryRun: true });
  t.same(await listTags(reg, 'prod/app'), ['1.0.0'], 'a dry run writes nothing either');
});
