import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import t from 'tap';
import { type Digest, NotFoundError, PolicyError, UsageError } from '../lib/index.js';
import type { PromotionResult, RollbackResult } from '../lib/promote/types.js';
import { hintFor } from './exit-codes.js';
import {
  type ActionResult,
  errorAnnotation,
  escapeData,
  escapeProperty,
  failureMarkdown,
  mdText,
  messageAnnotation,
  outputLines,
  outputValues,
  type PromotionReport,
  type RollbackReport,
  reportToGitHub,
  summaryMarkdown,
  warningAnnotation,
} from './github-actions.js';

/** hint renders the CLI's hint for a code (they are worded elsewhere), or nothing. */
const hint = (code: string, render: (h: string) => string): string => {
  const h = hintFor(code);
  return h ? render(h) : '';
};

const d = (c: string) => `sha256:${c.repeat(64)}` as Digest;

const promotion: PromotionResult = {
  source: `ghcr.io/o/staging:1.2.3@${d('a')}`,
  digest: d('a'),
  repository: 'ghcr.io/o/app',
  tags: [
    { tag: '1.2.3', action: 'created', previousDigest: null },
    { tag: '1.2', action: 'moved', previousDigest: d('b') },
    { tag: '1', action: 'moved', previousDigest: d('c') },
    { tag: 'latest', action: 'unchanged', previousDigest: d('a') },
  ],
  copy: {
    manifests: { copied: 3, skipped: 0 },
    blobs: { copied: 4, mounted: 1, skipped: 2 },
    bytesCopied: 3 * 1024 * 1024,
    referrers: [],
  },
  record: d('e'),
  conflicts: [],
  dryRun: false,
};

const rollback: RollbackResult = {
  repository: 'ghcr.io/o/app',
  tag: 'prod',
  digest: d('b'),
  previousDigest: d('a'),
  record: d('f'),
  hold: null,
  conflicts: [],
  dryRun: false,
};

t.test("the library's result types fit the reported shapes", async (t) => {
  // Compile-time check: if lib/promote/types.ts drifts, tsc fails here.
  const p: PromotionReport = promotion;
  const r: RollbackReport = rollback;
  const a: ActionResult[] = [promotion, rollback];
  t.ok(p && r && a.length === 2);
});

t.test('outputValues', async (t) => {
  t.strictSame(outputValues(promotion), {
    digest: d('a'),
    tags: '1.2.3,1.2,1,latest',
    'previous-digest': d('b'),
  });
  t.strictSame(
    outputValues({
      ...promotion,
      tags: [{ tag: '1.2.3', action: 'created', previousDigest: null }],
    }),
    { digest: d('a'), tags: '1.2.3', 'previous-digest': '' },
    'nothing moved: previous-digest is empty',
  );
  t.strictSame(
    outputValues({
      ...promotion,
      tags: [{ tag: '1.2.3', action: 'unchanged', previousDigest: d('a') }],
    }),
    { digest: d('a'), tags: '1.2.3', 'previous-digest': '' },
    're-promotion: the tag is listed, nothing moved',
  );
  t.strictSame(
    outputValues({
      ...promotion,
      tags: [
        { tag: '1.4.9', action: 'created', previousDigest: null },
        { tag: '1.4', action: 'moved', previousDigest: d('b') },
        {
          tag: 'latest',
          action: 'unchanged',
          previousDigest: d('c'),
          reason: 'a higher release than 1.4.9 is in the target',
        },
      ],
    }),
    { digest: d('a'), tags: '1.4.9,1.4', 'previous-digest': d('b') },
    'a hotfix: latest stays on the higher release and is not listed',
  );
  t.strictSame(outputValues(rollback), {
    digest: d('b'),
    tags: 'prod',
    'previous-digest': d('a'),
  });
});

t.test(
  'outputLines: name=value, or the delimiter form for a value with a line break',
  async (t) => {
    t.strictSame(outputLines(outputValues(promotion)), [
      `digest=${d('a')}`,
      'tags=1.2.3,1.2,1,latest',
      `previous-digest=${d('b')}`,
    ]);
    const odd = { ...rollback, tag: 'a\nb' };
    let n = 0;
    const delims = ['a', 'ghadelimiter_2'];
    t.strictSame(
      outputLines(outputValues(odd), () => delims[n++]!),
      [
        `digest=${d('b')}`,
        'tags<<ghadelimiter_2',
        'a\nb',
        'ghadelimiter_2',
        `previous-digest=${d('a')}`,
      ],
      'a delimiter found in the value is not used',
    );
    const [line] = outputLines(outputValues({ ...rollback, tag: 'x\r\ny' })).filter((l) =>
      l.startsWith('tags'),
    );
    t.match(line, /^tags<<ghadelimiter_[0-9a-f-]{36}$/, 'random delimiter by default');
  },
);

t.test('summaryMarkdown: a promotion', async (t) => {
  t.equal(
    summaryMarkdown(promotion),
    [
      '### ✅ Promoted to `ghcr.io/o/app`',
      '',
      '|  |  |',
      '| --- | --- |',
      `| source | \`ghcr.io/o/staging:1.2.3@${d('a')}\` |`,
      `| digest | \`${d('a')}\` |`,
      '| repository | `ghcr.io/o/app` |',
      '| copied | 3 manifests, 4 blobs (3.0 MiB), 1 mounted; 2 already present |',
      `| history record | \`${d('e')}\` |`,
      '',
      '| tag | action | previous digest |',
      '| --- | --- | --- |',
      '| `1.2.3` | created | — |',
      `| \`1.2\` | moved | \`${d('b')}\` |`,
      `| \`1\` | moved | \`${d('c')}\` |`,
      `| \`latest\` | unchanged | \`${d('a')}\` |`,
      '',
    ].join('\n'),
  );
});

t.test('summaryMarkdown: dry run, referrers, no-op, conflicts', async (t) => {
  const dry = summaryMarkdown({
    ...promotion,
    dryRun: true,
    record: null,
    copy: { ...promotion.copy, referrers: [{ action: 'copied' }, { action: 'skipped' }] as never },
  });
  t.match(dry, /^### 🧪 Promotion to `ghcr.io\/o\/app` planned \(dry run, nothing written\)\n/);
  t.match(dry, '| to copy | 3 manifests');
  t.match(dry, '| referrers | 1 copied, 1 already present |');
  t.match(dry, '| history record | — |');
  t.match(dry, '| `1.2.3` | created (planned) | — |');
  t.match(dry, /\| `latest` \| unchanged \|/);

  const noop = summaryMarkdown({
    ...promotion,
    tags: [{ tag: '1.2.3', action: 'unchanged', previousDigest: d('a') }],
    record: null,
  });
  t.match(noop, /^### ✅ Already promoted to `ghcr.io\/o\/app` \(no tag changed\)/);

  const conflict = summaryMarkdown({
    ...promotion,
    conflicts: [{ tag: 'latest', expected: d('a'), found: null }],
  });
  t.match(conflict, '> ⚠️ **Moved by another writer**');
  t.match(conflict, `> - \`latest\`: expected \`${d('a')}\`, found no tag`);

  const hotfix = summaryMarkdown({
    ...promotion,
    tags: [
      {
        tag: 'latest',
        action: 'unchanged',
        previousDigest: d('c'),
        reason: 'a higher release than 1.4.9 is in the target',
      },
    ],
  });
  t.match(
    hotfix,
    `| \`latest\` | unchanged — a higher release than 1.4.9 is in the target | \`${d('c')}\` |`,
  );
});

t.test('summaryMarkdown: a rollback', async (t) => {
  t.equal(
    summaryMarkdown(rollback),
    [
      '### ↩️ Rolled back `ghcr.io/o/app:prod`',
      '',
      '| tag | now | before |',
      '| --- | --- | --- |',
      `| \`prod\` | \`${d('b')}\` | \`${d('a')}\` |`,
      '',
      `History record: \`${d('f')}\``,
      '',
    ].join('\n'),
  );
  t.match(
    summaryMarkdown({ ...rollback, dryRun: true }),
    /^### 🧪 Rollback of `ghcr.io\/o\/app:prod` planned/,
  );
});

t.test('failureMarkdown escapes the message', async (t) => {
  t.equal(
    failureMarkdown('promote', new PolicyError('tag <1.2.3> | *moved*\nsecond line')),
    [
      '### ❌ oci-promote promote failed',
      '',
      'tag &lt;1.2.3&gt; \\| \\*moved\\* second line',
      '',
      `\`ERR_POLICY\`${hint('ERR_POLICY', (h) => ` — ${mdText(h)}`)}`,
      '',
    ].join('\n'),
  );
  t.match(
    failureMarkdown(
      'rollback',
      new NotFoundError({ status: 404, method: 'GET', url: 'https://r/v2/x' }),
    ),
    '`ERR_NOT_FOUND` — check the registry, repository and tag names',
  );
  t.equal(mdText('a_b [c](d) `e` #f'), 'a\\_b \\[c\\](d) \\`e\\` \\#f');
});

t.test('workflow command escaping', async (t) => {
  t.equal(escapeData('100% done\r\nnext'), '100%25 done%0D%0Anext');
  t.equal(escapeData('%0A'), '%250A', 'an already-escaped sequence is escaped again');
  t.equal(escapeProperty('a:b,c%'), 'a%3Ab%2Cc%25');
});

t.test('errorAnnotation: one line, the stderr text, escaped', async (t) => {
  t.equal(
    errorAnnotation(
      'promote',
      new PolicyError('tag 1.2.3 would move\nuse --allow-overwrite (100%)'),
    ),
    `::error title=oci-promote promote::tag 1.2.3 would move use --allow-overwrite (100%25)${hint('ERR_POLICY', (h) => ` — ${escapeData(h)}`)} [ERR_POLICY]`,
  );
  t.equal(
    errorAnnotation('rollback', new UsageError('bad')),
    '::error title=oci-promote rollback::bad — see --help [ERR_USAGE]',
  );
  t.equal(
    errorAnnotation('promote', 'thrown string'),
    '::error title=oci-promote promote::thrown string [ERR_UNEXPECTED]',
  );
  const weird = errorAnnotation('a:b,c', new Error('x\ry'));
  t.equal(weird, '::error title=oci-promote a%3Ab%2Cc::x%0Dy [ERR_UNEXPECTED]');
  t.notMatch(weird, /[\r\n]/);
  t.equal(
    warningAnnotation('promote', 'notification to https://hooks.slack.com failed: HTTP 500'),
    '::warning title=oci-promote promote::notification to https://hooks.slack.com failed: HTTP 500',
  );
  t.equal(
    messageAnnotation('notice', 'rollback', 'two\nlines 50%'),
    '::notice title=oci-promote rollback::two lines 50%25',
  );
});

// ---------------------------------------------------------------------------------------------
// reportToGitHub, writing temp files named by the environment

const dir = await mkdtemp(join(tmpdir(), 'oci-promote-gha-test-'));
t.teardown(() => rm(dir, { recursive: true, force: true }));

function capture(): { stream: Writable; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      chunks.push(String(chunk));
      done();
    },
  });
  return { stream, text: () => chunks.join('') };
}

let n = 0;
async function ghEnv(): Promise<{
  GITHUB_ACTIONS: string;
  GITHUB_OUTPUT: string;
  GITHUB_STEP_SUMMARY: string;
}> {
  n++;
  const env = {
    GITHUB_ACTIONS: 'true',
    GITHUB_OUTPUT: join(dir, `output-${n}`),
    GITHUB_STEP_SUMMARY: join(dir, `summary-${n}`),
  };
  // The runner creates both files before the step; earlier steps may have written to them.
  await writeFile(env.GITHUB_OUTPUT, 'earlier=1\n');
  await writeFile(env.GITHUB_STEP_SUMMARY, '');
  return env;
}

t.test('reportToGitHub: a promotion appends outputs and the summary; no annotation', async (t) => {
  const env = await ghEnv();
  const err = capture();
  await reportToGitHub({ env, command: 'promote', result: promotion, stderr: err.stream });
  t.equal(
    await readFile(env.GITHUB_OUTPUT, 'utf8'),
    `earlier=1\ndigest=${d('a')}\ntags=1.2.3,1.2,1,latest\nprevious-digest=${d('b')}\n`,
  );
  t.equal(await readFile(env.GITHUB_STEP_SUMMARY, 'utf8'), `${summaryMarkdown(promotion)}\n`);
  t.equal(err.text(), '');
});

t.test('reportToGitHub: a rollback', async (t) => {
  const env = await ghEnv();
  await reportToGitHub({ env, command: 'rollback', result: rollback, stderr: capture().stream });
  t.equal(
    await readFile(env.GITHUB_OUTPUT, 'utf8'),
    `earlier=1\ndigest=${d('b')}\ntags=prod\nprevious-digest=${d('a')}\n`,
  );
  t.match(await readFile(env.GITHUB_STEP_SUMMARY, 'utf8'), '### ↩️ Rolled back');
});

t.test(
  'reportToGitHub: a failure is an annotation on stderr and a summary; no outputs',
  async (t) => {
    const env = await ghEnv();
    const err = capture();
    const e = new PolicyError('tag 1.2.3 exists with another digest');
    await reportToGitHub({ env, command: 'promote', error: e, stderr: err.stream });
    t.equal(err.text(), `${errorAnnotation('promote', e)}\n`);
    t.equal(await readFile(env.GITHUB_OUTPUT, 'utf8'), 'earlier=1\n');
    t.equal(await readFile(env.GITHUB_STEP_SUMMARY, 'utf8'), `${failureMarkdown('promote', e)}\n`);
  },
);

t.test('reportToGitHub: conflicts are ::error:: annotations, warnings ::warning::', async (t) => {
  const env = await ghEnv();
  const err = capture();
  await reportToGitHub({
    env,
    command: 'promote',
    result: { ...promotion, conflicts: [{ tag: 'latest', expected: d('a'), found: d('c') }] },
    warnings: ['notification to https://hooks.example failed: timed out after 10000 ms'],
    stderr: err.stream,
  });
  t.strictSame(err.text().split('\n'), [
    `::error title=oci-promote promote::tag latest was moved by another writer right after this run wrote it: expected ${d('a')}, found ${d('c')}`,
    '::warning title=oci-promote promote::notification to https://hooks.example failed: timed out after 10000 ms',
    '',
  ]);
  t.match(
    await readFile(env.GITHUB_STEP_SUMMARY, 'utf8'),
    '> ⚠️ notification to https://hooks.example failed: timed out after 10000 ms',
  );
});

t.test('reportToGitHub: outside GitHub Actions nothing is written', async (t) => {
  const err = capture();
  await reportToGitHub({ env: {}, command: 'promote', result: promotion, stderr: err.stream });
  await reportToGitHub({ env: {}, command: 'promote', error: new Error('x'), stderr: err.stream });
  t.equal(err.text(), '');
});

t.test('reportToGitHub: annotations only when GITHUB_ACTIONS=true', async (t) => {
  const env = await ghEnv();
  const err = capture();
  await reportToGitHub({
    env: { ...env, GITHUB_ACTIONS: undefined },
    command: 'promote',
    error: new Error('x'),
    stderr: err.stream,
  });
  t.equal(err.text(), '');
  t.match(await readFile(env.GITHUB_STEP_SUMMARY, 'utf8'), '### ❌ oci-promote promote failed');
});

t.test('reportToGitHub: an unwritable output file is an error naming the variable', async (t) => {
  await t.rejects(
    reportToGitHub({
      env: { GITHUB_OUTPUT: join(dir, 'missing', 'out') },
      command: 'promote',
      result: promotion,
      stderr: capture().stream,
    }),
    {
      code: 'ERR_GITHUB_OUTPUT',
      message: /^cannot write GITHUB_OUTPUT \(.*missing\/out\): ENOENT$/,
    },
  );
});

/** The gates' refusals (lib/errors.ts HeldError, FrozenError, NotVerifiedError), by code. */
class Refusal extends PolicyError {
  constructor(
    override readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

t.test('reportToGitHub: a refusal by a gate names it; output refused=<gate>', async (t) => {
  const cases: Array<[string, string]> = [
    ['ERR_HELD', 'hold'],
    ['ERR_FROZEN', 'freeze'],
    ['ERR_NOT_VERIFIED', 'require-verified'],
  ];
  for (const [code, gate] of cases) {
    const env = await ghEnv();
    const err = capture();
    const e = new Refusal(code, `refused: ${gate}`);
    await reportToGitHub({ env, command: 'promote', error: e, stderr: err.stream });
    t.match(
      err.text(),
      new RegExp(`^::error title=oci-promote promote refused by ${gate}::refused: ${gate}`),
    );
    t.match(err.text(), `[${code}]\n`);
    t.equal(await readFile(env.GITHUB_OUTPUT, 'utf8'), `earlier=1\nrefused=${gate}\n`);
    t.match(
      await readFile(env.GITHUB_STEP_SUMMARY, 'utf8'),
      `### 🚫 oci-promote promote refused by ${gate}`,
    );
  }
  t.equal(
    errorAnnotation('promote', new PolicyError('x')),
    `::error title=oci-promote promote::x${hint('ERR_POLICY', (h) => ` — ${escapeData(h)}`)} [ERR_POLICY]`,
    'other refusals keep the plain title',
  );
});
