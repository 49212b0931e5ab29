import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import t from 'tap';
import { type BatchArgs, runBatch } from '../../cli/batch.js';
import { type CommandOutput, Runtime } from '../../cli/runtime.js';
import { attest, createClient, parseReference } from '../../lib/index.js';
import type { Json } from '../helpers/cli.js';
import { headManifest, listTags, stager } from '../helpers/seed.js';
import { twoRegistries } from '../helpers/setup.js';
import { startWebhookReceiver } from '../helpers/webhook-receiver.js';

const { src, dst, cli, work } = await twoRegistries(t, 'batch');

const stage = stager(src, work, 'batch', { layerSize: 1000 });

let files = 0;
/** file writes a promotions file into the work folder and returns its path. */
async function file(text: string, name = 'promotions.yaml'): Promise<string> {
  const path = join(work, `${++files}-${name}`);
  await writeFile(path, text);
  return path;
}

/** entry renders one YAML entry (source on the source registry, to on the destination). */
function entry(source: string, to: string, ...more: string[]): string {
  return [
    `  - source: ${src.host}/${source}`,
    `    to: ${dst.host}/${to}`,
    ...more.map((m) => `    ${m}`),
  ].join('\n');
}
const yaml = (...entries: string[]) => `# promotions\npromotions:\n${entries.join('\n')}\n`;

/** esc quotes a string for use inside a RegExp. */
const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

const resetBoth = () => Promise.all([src.resetRequests(), dst.resetRequests()]);

interface BatchRun {
  out: CommandOutput;
  json: Json;
  stderr: string;
}

/** batch runs cli/batch.ts runBatch as the promote command would, with a Runtime of its own. */
async function batch(
  over: Partial<BatchArgs> & { fromFile: string },
  opts: { stdin?: string; env?: Record<string, string> } = {},
): Promise<BatchRun> {
  const stdin = opts.stdin ?? '';
  let stderr = '';
  const sink = (write: (s: string) => void) =>
    new Writable({
      write(chunk: Buffer, _enc, done) {
        write(chunk.toString('utf8'));
        done();
      },
    });
  const args: BatchArgs = {
    json: true,
    logLevel: 'info',
    logFormat: 'text',
    quiet: false,
    plainHttp: true,
    insecure: false,
    jobs: 4,
    referrers: false,
    dryRun: false,
    ...over,
  };
  const rt = new Runtime(
    {
      env: { ...cli.env, ...opts.env },
      stdout: sink(() => {}),
      stderr: sink((s) => {
        stderr += s;
      }),
      stdin: Readable.from(stdin ? [Buffer.from(stdin)] : []),
    },
    args,
  );
  let out: CommandOutput;
  try {
    out = await runBatch(rt, args);
  } finally {
    // Log lines may wait for the logger to load (cli/logger.ts): closing writes them.
    await rt.close();
  }
  return { out, json: JSON.parse(JSON.stringify(out.json)), stderr };
}

const digests = {
  a: await stage('staging/a', '1.0.0'),
  b: await stage('staging/b', '2.0.0'),
  c: await stage('staging/c', '3.0.0'),
  d: await stage('staging/d', '1.0.0'),
  /** Already in production as prod/d:1.0.0: promoting staging/d:1.0.0 there is refused. */
  dProd: await stage('prod/d', '1.0.0', { registry: dst }),
};

t.test('runBatch: one entry refused, the others complete; the result names it', async (t) => {
  const path = await file(
    yaml(
      entry('staging/a:1.0.0', 'prod/a', 'semver: true'),
      entry('staging/d:1.0.0', 'prod/d'),
      entry('staging/b:2.0.0', 'prod/b', 'tags: [2.0.0, stable]'),
      entry('staging/c:3.0.0', 'prod/c'),
    ),
  );
  const { out, json, stderr } = await batch({ fromFile: path, parallel: 3 });
  t.equal(out.exitCode, 1, 'exit 1: an entry failed');
  t.equal(out.failure, `error: 1 of 4 promotions failed (${path}:6); 3 promoted`);
  t.equal(json.succeeded, 3);
  t.equal(json.failed, 1);
  t.equal(json.shard, null);
  t.equal(json.dryRun, false);
  t.same(
    json.results.map((r: Json) => [r.line, r.entry.source, r.ok]),
    [
      [3, `${src.host}/staging/a:1.0.0`, true],
      [6, `${src.host}/staging/d:1.0.0`, false],
      [8, `${src.host}/staging/b:2.0.0`, true],
      [11, `${src.host}/staging/c:3.0.0`, true],
    ],
  );
  t.same(json.results[0].entry, {
    source: `${src.host}/staging/a:1.0.0`,
    to: `${dst.host}/prod/a`,
    semver: true,
  });
  const refused = json.results[1];
  t.equal(refused.error.code, 'ERR_POLICY');
  t.match(refused.error.message, /1\.0\.0/);
  t.notOk(refused.result, 'a refusal has no result');
  t.equal(json.results[0].result.digest, digests.a);
  t.same(
    json.results[0].result.tags.map((x: Json) => x.tag),
    ['1.0.0', '1.0', '1', 'latest'],
  );
  t.equal(json.results[2].result.digest, digests.b);

  t.equal(
    await headManifest(dst, 'prod/d', '1.0.0'),
    digests.dProd,
    'the refused tag is untouched',
  );
  t.equal(await headManifest(dst, 'prod/a', 'latest'), digests.a);
  t.equal(await headManifest(dst, 'prod/b', 'stable'), digests.b);
  t.equal(await headManifest(dst, 'prod/b', '2.0.0'), digests.b);
  t.equal(await headManifest(dst, 'prod/c', '3.0.0'), digests.c);

  t.same(out.text, [
    `ok   ${src.host}/staging/a:1.0.0 -> ${dst.host}/prod/a ${digests.a} 1.0.0 1.0 1 latest`,
    `FAIL ${src.host}/staging/d:1.0.0 -> ${dst.host}/prod/d: ${refused.error.message}`,
    `ok   ${src.host}/staging/b:2.0.0 -> ${dst.host}/prod/b ${digests.b} 2.0.0 stable`,
    `ok   ${src.host}/staging/c:3.0.0 -> ${dst.host}/prod/c ${digests.c} 3.0.0`,
    '3 promoted, 1 failed',
  ]);
  t.match(stderr, /\] failed .*staging\/d:1\.0\.0/, 'a log line as each entry finishes');

  // Run again: the promoted entries are no-ops (their tags still listed), the refusal stays.
  await resetBoth();
  const again = await batch({ fromFile: path });
  t.equal(again.out.exitCode, 1);
  t.same(
    again.json.results.map((r: Json) => r.ok),
    [true, false, true, true],
  );
  t.same(
    again.json.results[0].result.tags.map((x: Json) => x.action),
    ['unchanged', 'unchanged', 'unchanged', 'unchanged'],
  );
  t.equal(again.out.text[0], out.text[0], 'tags already on the digest are still listed');
  const writes = (await dst.settledRequests()).filter(
    (e) => e.method !== 'GET' && e.method !== 'HEAD',
  );
  t.same(writes, [], 'nothing written the second time');
});

t.test(
  "runBatch: the file's require-verified gate (defaults) refuses the unverified entry only",
  async (t) => {
    const verified = await stage('staging/gated-ok', '1.0.0');
    await stage('staging/gated-no', '1.0.0');
    const client = createClient({ plainHttp: true });
    t.teardown(() => client.close());
    await attest(client, {
      image: parseReference(`${src.host}/staging/gated-ok:1.0.0`),
      stage: 'staging',
      result: 'passed',
    });
    const path = await file(
      `defaults:\n  require-verified: staging\n  max-age: 1h\n${yaml(
        entry('staging/gated-ok:1.0.0', 'prod/gated-ok'),
        entry('staging/gated-no:1.0.0', 'prod/gated-no'),
      )}`,
    );
    const { out, json } = await batch({ fromFile: path });
    t.equal(out.exitCode, 1, 'exit 1: an entry failed');
    t.same(
      json.results.map((r: Json) => [r.ok, r.ok ? null : r.error.code]),
      [
        [true, null],
        [false, 'ERR_NOT_VERIFIED'],
      ],
    );
    t.same(json.results[1].entry['require-verified'], ['staging'], 'the default reached the entry');
    t.match(json.results[1].error.message, /staging/, 'the refusal names the stage');
    t.equal(await headManifest(dst, 'prod/gated-ok', '1.0.0'), verified);
    t.equal(await headManifest(dst, 'prod/gated-no', '1.0.0'), undefined, 'nothing tagged');

    // The same gate from the command line: --require-verified applies to every entry.
    const plain = await file(yaml(entry('staging/gated-no:1.0.0', 'prod/gated-flag')));
    const flagged = await batch({ fromFile: plain, requireVerified: ['staging'], maxAge: '1h' });
    t.equal(flagged.out.exitCode, 1);
    t.equal(flagged.json.results[0].error.code, 'ERR_NOT_VERIFIED', '--require-verified applied');
    t.equal(await headManifest(dst, 'prod/gated-flag', '1.0.0'), undefined, 'nothing tagged');
  },
);

t.test('runBatch: a source that does not exist fails only its entry', async (t) => {
  const path = await file(
    yaml(
      entry('staging/a:1.0.0', 'prod/nf-a'),
      entry('staging/missing:9.9.9', 'prod/nf-missing'),
      entry('staging/b:2.0.0', 'prod/nf-b'),
    ),
  );
  const { out, json } = await batch({ fromFile: path, parallel: 1 });
  t.equal(out.exitCode, 1);
  t.same(
    json.results.map((r: Json) => (r.ok ? 'ok' : r.error.code)),
    ['ok', 'ERR_NOT_FOUND', 'ok'],
  );
  t.equal(await headManifest(dst, 'prod/nf-b', '2.0.0'), digests.b, 'the entry after it ran');
  t.same(await listTags(dst, 'prod/nf-missing'), []);
});

t.test('runBatch: entries into one repository run in file order (semver)', async (t) => {
  const v100 = await stage('staging/order', '1.0.0');
  const v110 = await stage('staging/order', '1.1.0');
  const v101 = await stage('staging/order', '1.0.1');
  const path = await file(
    yaml(
      entry('staging/order:1.0.0', 'prod/order', 'semver: true'),
      entry('staging/order:1.1.0', 'prod/order', 'semver: true'),
      entry('staging/order:1.0.1', 'prod/order', 'semver: true'),
    ),
  );
  const { out } = await batch({ fromFile: path, parallel: 3 });
  t.equal(out.exitCode, undefined, 'all promoted');
  t.equal(await headManifest(dst, 'prod/order', 'latest'), v110, 'latest: the highest release');
  t.equal(await headManifest(dst, 'prod/order', '1'), v110);
  t.equal(await headManifest(dst, 'prod/order', '1.0'), v101, 'the hotfix moved its own line');
  t.equal(await headManifest(dst, 'prod/order', '1.0.0'), v100);
  t.match(
    out.text[2],
    new RegExp(`-> ${dst.host}/prod/order ${v101} 1\\.0\\.1 1\\.0$`),
    'only the tags on the hotfix',
  );
});

t.test('runBatch: shards 1/2 and 2/2 promote every entry exactly once', async (t) => {
  const path = await file(
    yaml(
      entry('staging/a:1.0.0', 'prod/shard-1'),
      entry('staging/b:2.0.0', 'prod/shard-2'),
      entry('staging/c:3.0.0', 'prod/shard-3'),
      entry('staging/a:1.0.0', 'prod/shard-4'),
      entry('staging/b:2.0.0', 'prod/shard-5'),
    ),
  );
  const one = await batch({ fromFile: path, shard: '1/2' });
  const two = await batch({ fromFile: path, shard: '2/2' });
  t.same(one.json.shard, { index: 1, count: 2 });
  t.same(
    one.json.results.map((r: Json) => r.entry.to),
    [1, 3, 5].map((i) => `${dst.host}/prod/shard-${i}`),
    'shard 1: entries 1, 3, 5',
  );
  t.same(
    two.json.results.map((r: Json) => r.entry.to),
    [2, 4].map((i) => `${dst.host}/prod/shard-${i}`),
    'shard 2: entries 2, 4',
  );
  t.equal(one.out.text.at(-1), '3 promoted, 0 failed (shard 1/2: 3 of 5 entries)');
  t.equal(two.out.text.at(-1), '2 promoted, 0 failed (shard 2/2: 2 of 5 entries)');
  const want = [digests.a, digests.b, digests.c, digests.a, digests.b];
  const tags = ['1.0.0', '2.0.0', '3.0.0', '1.0.0', '2.0.0'];
  for (let i = 0; i < 5; i++) {
    t.equal(
      await headManifest(dst, `prod/shard-${i + 1}`, tags[i]!),
      want[i],
      `entry ${i + 1} promoted`,
    );
  }
  const created = [...one.json.results, ...two.json.results].flatMap((r: Json) =>
    r.result.tags.filter((x: Json) => x.action === 'created'),
  );
  t.equal(created.length, 5, 'each entry created its tag once');
});

t.test('runBatch: dry run plans every entry and writes nothing', async (t) => {
  const path = await file(
    yaml(entry('staging/a:1.0.0', 'prod/dry-a'), entry('staging/missing:1', 'prod/dry-b')),
  );
  await resetBoth();
  const { out, json } = await batch({ fromFile: path, dryRun: true });
  t.equal(json.dryRun, true);
  t.equal(json.results[0].result.dryRun, true);
  t.equal(out.text.at(-1), '1 would be promoted (dry run), 1 failed');
  t.equal(out.failure, `error: 1 of 2 promotions failed (${path}:5); 1 planned`);
  const writes = (await dst.settledRequests()).filter(
    (e) => e.method !== 'GET' && e.method !== 'HEAD',
  );
  t.same(writes, [], 'no write');
  t.same(await listTags(dst, 'prod/dry-a'), []);
});

t.test('runBatch: --from-file - reads the list from stdin (JSON here)', async (t) => {
  const list = [
    { source: `${src.host}/staging/c:3.0.0`, to: `${dst.host}/prod/stdin`, tags: ['rc'] },
  ];
  const { out, json } = await batch({ fromFile: '-' }, { stdin: JSON.stringify(list, null, 2) });
  t.equal(out.exitCode, undefined, 'promoted');
  t.same(json.results[0].entry, { source: list[0]?.source, to: list[0]?.to, tags: ['rc'] });
  t.equal(await headManifest(dst, 'prod/stdin', 'rc'), digests.c);
  await t.rejects(batch({ fromFile: '-' }, { stdin: '\n' }), {
    code: 'ERR_PROMOTION_FILE',
    message: /^<stdin>:1: the file is empty/,
  });
});

t.test('runBatch: audit log, notifications and GitHub Actions reports, per entry', async (t) => {
  const { origin, received } = await startWebhookReceiver(t);
  const url = `${origin}/hooks/secret-token`;

  const path = await file(
    yaml(entry('staging/a:1.0.0', 'prod/report-a'), entry('staging/missing:1', 'prod/report-b')),
  );
  const auditLog = join(work, 'audit.jsonl');
  const outputs = join(work, 'github-output');
  const summary = join(work, 'github-summary.md');
  const { out, stderr } = await batch(
    { fromFile: path, auditLog, notifyUrl: url },
    {
      env: {
        GITHUB_ACTIONS: 'true',
        GITHUB_OUTPUT: outputs,
        GITHUB_STEP_SUMMARY: summary,
        GITHUB_ACTOR: 'octocat',
        GITHUB_SERVER_URL: 'https://github.com',
        GITHUB_REPOSITORY: 'acme/app',
        GITHUB_RUN_ID: '42',
      },
    },
  );
  t.equal(out.exitCode, 1);

  const lines = (await readFile(auditLog, 'utf8'))
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l));
  t.equal(lines.length, 2, 'one audit line per entry');
  const byRepo = Object.fromEntries(lines.map((l: Json) => [l.repository, l]));
  t.match(byRepo[`${dst.host}/prod/report-a`], {
    action: 'promote',
    ok: true,
    digest: digests.a,
    actor: 'octocat',
    runUrl: 'https://github.com/acme/app/actions/runs/42',
  });
  t.match(byRepo[`${dst.host}/prod/report-b`], {
    action: 'promote',
    ok: false,
    source: `${src.host}/staging/missing:1`,
    error: { code: 'ERR_NOT_FOUND' },
    actor: 'octocat',
  });

  t.equal(received.length, 2, 'one notification per entry');
  t.ok(received.every((m) => typeof m.text === 'string' && m.event.action === 'promote'));

  const errors = stderr.split('\n').filter((l) => l.startsWith('::error'));
  t.same(errors.length, 1, 'one annotation: the failed entry');
  t.match(
    errors[0],
    new RegExp(
      `^::error file=${esc(path)},line=5,title=oci-promote promote::${esc(`${src.host}/staging/missing:1 -> ${dst.host}/prod/report-b: `)}.*\\[ERR_NOT_FOUND\\]$`,
    ),
  );
  t.equal(await readFile(outputs, 'utf8'), 'succeeded=1\nfailed=1\n');
  const md = await readFile(summary, 'utf8');
  t.match(md, /^### ❌ oci-promote promote --from-file `.*`: 1 promoted, 1 failed\n/);
  t.match(
    md,
    `| ✅ | 3 | \`${src.host}/staging/a:1.0.0\` | \`${dst.host}/prod/report-a\` | \`${digests.a}\` | \`1.0.0\` |`,
  );
  t.match(md, `| ❌ | 5 | \`${src.host}/staging/missing:1\` | \`${dst.host}/prod/report-b\` | — |`);
  t.notMatch(
    stderr + md + JSON.stringify(lines),
    /secret-token/,
    'the notify URL is never printed',
  );

  await t.rejects(batch({ fromFile: path, auditLog: work }), {
    category: 'usage',
    message: /^cannot append to audit log/,
  });
  await t.rejects(batch({ fromFile: path, notifyUrl: 'ftp://x' }), {
    category: 'usage',
    message: /must be http or https/,
  });
});

t.test('runBatch: bad input exits 2 before any request', async (t) => {
  const bad = await file(
    yaml(
      entry('staging/a:1.0.0', 'prod/never-a', 'tgas: [x]'),
      entry('staging/b:2.0.0', 'prod/never-b', 'semver: maybe'),
      entry('staging/c:3.0.0', 'prod/never-c'),
    ),
  );
  const good = await file(yaml(entry('staging/a:1.0.0', 'prod/never-a')));
  await resetBoth();
  const cases: Array<[string, Partial<BatchArgs> & { fromFile: string }, RegExp]> = [
    [
      'a file with problems',
      { fromFile: bad },
      new RegExp(
        `^${esc(bad)} has 2 problems: ${esc(bad)}:5: unknown key "tgas" .* ${esc(bad)}:8: semver must be true or false, found the string "maybe"$`,
      ),
    ],
    [
      'a missing file',
      { fromFile: join(work, 'nope.yaml') },
      /^cannot read the promotions file .*nope\.yaml: no such file$/,
    ],
    ['a directory', { fromFile: work }, /: it is a directory$/],
    ['shard 0/3', { fromFile: good, shard: '0/3' }, /^invalid shard "0\/3"/],
    ['shard 4/3', { fromFile: good, shard: '4/3' }, /^invalid shard "4\/3"/],
    ['shard a/b', { fromFile: good, shard: 'a/b' }, /^invalid shard "a\/b"/],
    [
      'parallel 0',
      { fromFile: good, parallel: 0 },
      /^--parallel must be a whole number from 1 to 16, got 0$/,
    ],
    ['jobs 0', { fromFile: good, jobs: 0 }, /^--jobs must be/],
    ['a source with --from-file', { fromFile: good, src: 'x:1' }, /^--from-file takes sources/],
    ['--to with --from-file', { fromFile: good, to: 'x' }, /^--from-file takes sources/],
    ['--tag with --from-file', { fromFile: good, tag: ['x'] }, /^--from-file takes sources/],
    ['an empty --from-file', { fromFile: '' }, /^--from-file needs a file name/],
  ];
  for (const [name, args, message] of cases) {
    await t.rejects(batch(args), { category: 'usage', message }, name);
  }
  t.same(await src.settledRequests(), [], 'the source registry saw no request');
  t.same(await dst.settledRequests(), [], 'the destination registry saw no request');
  await t.rejects(batch({ fromFile: bad }), {
    code: 'ERR_PROMOTION_FILE',
    problems: [{ line: 5 }, { line: 8 }],
  });
});

t.test('CLI: promote --from-file', async (t) => {
  const run = (...args: string[]) => cli.run(['promote', '--plain-http', ...args]);

  t.test('one failing entry: the others complete, exit 1, the summary names it', async (t) => {
    const path = await file(
      yaml(
        entry('staging/a:1.0.0', 'prod/cli-a'),
        entry('staging/b:2.0.0', 'prod/cli-b'),
        entry('staging/missing:1.0.0', 'prod/cli-missing'),
        entry('staging/c:3.0.0', 'prod/cli-c'),
      ),
    );
    const r = await run('--json', '--from-file', path);
    t.equal(r.code, 1, r.stderr);
    const doc = r.json();
    t.same(
      doc.results.map((x: Json) => [x.line, x.ok]),
      [
        [3, true],
        [5, true],
        [7, false],
        [9, true],
      ],
    );
    t.equal(doc.results[2].error.code, 'ERR_NOT_FOUND');
    t.equal(doc.succeeded, 3);
    t.equal(doc.failed, 1);
    t.match(
      r.stderr,
      new RegExp(`oci-promote: error: 1 of 4 promotions failed \\(${esc(path)}:7\\); 3 promoted`),
    );
    t.equal(await headManifest(dst, 'prod/cli-c', '3.0.0'), digests.c, 'the entry after it ran');

    const text = await run('--from-file', path);
    t.equal(text.code, 1);
    const lines = text.stdout.trimEnd().split('\n');
    t.equal(lines.length, 5);
    t.match(
      lines[0],
      new RegExp(
        `^ok   ${src.host}/staging/a:1\\.0\\.0 -> ${dst.host}/prod/cli-a ${digests.a} 1\\.0\\.0$`,
      ),
    );
    t.match(
      lines[2],
      new RegExp(`^FAIL ${src.host}/staging/missing:1\\.0\\.0 -> ${dst.host}/prod/cli-missing: `),
    );
    t.equal(lines[4], '3 promoted, 1 failed');
  });

  t.test('--shard 1/2 and 2/2 cover every entry once', async (t) => {
    const path = await file(
      yaml(
        entry('staging/a:1.0.0', 'prod/cli-shard-1'),
        entry('staging/b:2.0.0', 'prod/cli-shard-2'),
        entry('staging/c:3.0.0', 'prod/cli-shard-3'),
      ),
    );
    const one = await run('--json', '--from-file', path, '--shard', '1/2');
    const two = await run('--json', '--from-file', path, '--shard', '2/2', '--parallel', '1');
    t.equal(one.code, 0, one.stderr);
    t.equal(two.code, 0, two.stderr);
    const lines = [...one.json().results, ...two.json().results].map((x: Json) => x.line).sort();
    t.same(lines, [3, 5, 7]);
    for (const [i, d, tag] of [
      [1, digests.a, '1.0.0'],
      [2, digests.b, '2.0.0'],
      [3, digests.c, '3.0.0'],
    ] as const) {
      t.equal(await headManifest(dst, `prod/cli-shard-${i}`, tag), d);
    }
  });

  t.test('a file with problems exits 2 naming the lines and promotes nothing', async (t) => {
    const path = await file(
      yaml(
        entry('staging/a:1.0.0', 'prod/cli-never', 'tgas: [x]'),
        entry('staging/b:2.0.0', 'prod/cli-never-2', 'platform: [linux]'),
      ),
    );
    await resetBoth();
    const r = await run('--json', '--from-file', path);
    t.equal(r.code, 2);
    t.equal(r.json().error.code, 'ERR_PROMOTION_FILE');
    const lines = r.stderr.split('\n').filter(Boolean);
    t.equal(lines.length, 1, 'one line on stderr');
    t.match(lines[0], `${path}:5: unknown key "tgas"`);
    t.match(lines[0], `${path}:8: platform: invalid platform "linux"`);
    t.same(await src.settledRequests(), []);
    t.same(await dst.settledRequests(), []);
    t.same(await listTags(dst, 'prod/cli-never'), []);
  });

  t.test('usage errors exit 2', async (t) => {
    const path = await file(yaml(entry('staging/a:1.0.0', 'prod/cli-usage')));
    for (const argv of [
      ['--from-file', path, '--shard', '0/3'],
      ['--from-file', path, '--shard', '4/3'],
      ['--from-file', path, '--shard', 'a/b'],
      ['--from-file', path, '--parallel', '0'],
      ['--from-file', join(work, 'missing.yaml')],
      ['--shard', '1/2', `${src.host}/staging/a:1.0.0`, '--to', `${dst.host}/prod/cli-usage`],
      ['--parallel', '2', `${src.host}/staging/a:1.0.0`, '--to', `${dst.host}/prod/cli-usage`],
      ['--from-file'],
      ['--from-file', path, `${src.host}/staging/a:1.0.0`],
    ]) {
      const r = await run('--json', ...argv);
      t.equal(r.code, 2, `${argv.join(' ')}: ${r.stderr}`);
    }
    t.same(await listTags(dst, 'prod/cli-usage'), [], 'nothing promoted');
  });
});
