import t, { type Test } from 'tap';
import type { Digest, StatusResult } from '../lib/index.js';
import { mdLink, statusLines, statusMarkdown, subjectOf } from './status-format.js';
import { safeTime, statusMermaid } from './status-mermaid.js';

const D = (c: string) => `sha256:${c.repeat(64)}` as Digest;
const run = 'https://github.com/o/app/actions/runs/7';

/** A tag's status: promoted a, then b, rolled back to a (b held), a staging verdict on a. */
const tagStatus: StatusResult = {
  repository: 'reg.example/prod/app',
  tag: 'prod',
  digest: D('a'),
  tags: [{ tag: 'prod', digest: D('a') }],
  tagsTruncated: false,
  freeze: {
    reason: 'launch week',
    actor: 'carol',
    time: '2026-12-01T10:00:00.000Z',
    until: '2026-12-08T00:00:00.000Z',
    runUrl: null,
    record: D('f'),
  },
  holds: [
    {
      digest: D('b'),
      reason: 'rolled back: 500s',
      actor: 'bob',
      time: '2026-12-01T09:00:00.000Z',
      runUrl: run,
      record: D('e'),
    },
  ],
  held: false,
  history: [
    {
      time: '2026-12-01T09:00:00.000Z',
      action: 'rollback',
      tag: 'prod',
      digest: D('a'),
      previousDigest: D('b'),
      source: null,
      actor: 'bob',
      runUrl: run,
      record: D('3'),
      reason: '500s',
    },
    {
      time: '2026-12-01T08:00:00.000Z',
      action: 'promote',
      tag: 'prod',
      digest: D('b'),
      previousDigest: D('a'),
      source: `reg.example/stg/app:1.1@${D('b')}`,
      actor: 'alice',
      runUrl: run,
      record: D('2'),
    },
    {
      time: '2026-12-01T07:00:00.000Z',
      action: 'promote',
      tag: 'prod',
      digest: D('a'),
      previousDigest: null,
      source: 'reg.example/stg/app:1.0',
      actor: 'alice',
      runUrl: null,
      record: D('1'),
      overrides: [{ gate: 'freeze', reason: 'hotfix' }],
    },
  ],
  verifications: [],
  stages: {
    staging: {
      stage: 'staging',
      result: 'passed',
      digest: D('a'),
      time: '2026-12-01T06:00:00.000Z',
      actor: 'ci',
      runUrl: run,
      summary: 'health passed',
      checks: [{ name: 'health', result: 'passed' }],
      record: D('4'),
    },
  },
};

const empty: StatusResult = {
  repository: 'reg.example/prod/app',
  tag: null,
  digest: null,
  tags: [],
  tagsTruncated: false,
  freeze: null,
  holds: [],
  held: false,
  history: [],
  verifications: [],
  stages: {},
};

t.test('subjectOf names the repository, the tag or the digest', async (t) => {
  t.equal(subjectOf(tagStatus), 'reg.example/prod/app:prod');
  t.equal(subjectOf(empty), 'reg.example/prod/app');
  t.equal(subjectOf({ ...empty, digest: D('a') }), `reg.example/prod/app@${D('a')}`);
});

t.test('markdown: heading, tags, freeze, holds, stages, history, mermaid', async (t) => {
  const md = statusMarkdown(tagStatus);
  const lines = md.split('\n');
  t.equal(lines[0], '### oci-promote status of `reg.example/prod/app:prod`');
  t.ok(lines.includes('| tag | digest |'), 'a tags table');
  t.ok(lines.includes(`| \`prod\` | \`${D('a')}\` |`), 'the tag and its digest');
  t.match(
    md,
    /\*\*Freeze:\*\* 🧊 frozen since 2026-12-01T10:00:00\.000Z by carol until 2026-12-08T00:00:00\.000Z: launch week/,
  );
  t.match(
    md,
    `- ⛔ \`${D('b')}\` held since 2026-12-01T09:00:00.000Z by bob: rolled back: 500s ([run](${run}))`,
  );
  t.ok(lines.includes('This digest is not held.'));
  t.ok(lines.includes('| stage | result | time | actor | run |'), 'a stages table');
  t.ok(
    lines.includes(`| \`staging\` | ✅ passed | 2026-12-01T06:00:00.000Z | ci | [run](${run}) |`),
  );
  t.ok(lines.includes('| time | action | tag | digest | by | note |'), 'a history table');
  t.ok(
    lines.includes(
      '| 2026-12-01 07:00 | promote | `prod` | `sha256:aaaaaaaaaaaa` | alice | from `reg.example/stg/app:1.0`; override freeze: hotfix |',
    ),
  );
  const start = lines.indexOf('```mermaid');
  t.ok(start > 0, 'a mermaid block');
  t.equal(lines[start + 1], 'flowchart LR');
  t.equal(lines.lastIndexOf('```'), lines.length - 2, 'the block closes the section');
  // Every table row has as many cells as its header.
  for (const l of lines.filter((l) => l.startsWith('|'))) {
    const cells = l.replace(/\\\|/g, '').split('|').length;
    t.ok(cells === 4 || cells === 7 || cells === 8, `cells of ${l}`);
  }
});

t.test('mermaid: one node per digest, edges by action and time, oldest first', async (t) => {
  t.equal(
    statusMermaid(tagStatus),
    [
      'flowchart LR',
      '  notag(["no tag"])',
      '  d1["sha256:aaaaaaaaaaaa"]',
      '  d2["sha256:bbbbbbbbbbbb"]',
      '  notag -->|"promote 2026-12-01 07:00"| d1',
      '  d1 -->|"promote 2026-12-01 08:00"| d2',
      '  d2 -->|"rollback 2026-12-01 09:00"| d1',
      '  classDef current stroke-width:3px',
      '  class d1 current',
      '  classDef held fill:#fdd,stroke:#c00',
      '  class d2 held',
    ].join('\n'),
  );
  t.equal(statusMermaid(empty), undefined, 'no tag changes: no diagram');
  t.notMatch(statusMarkdown(empty), /mermaid/);
});

t.test('mermaid: a whole repository labels each edge with its tag', async (t) => {
  const repo = { ...tagStatus, tag: null, digest: null };
  t.match(statusMermaid(repo), /notag -->\|"prod promote 2026-12-01 07:00"\| d1/);
  t.notMatch(statusMermaid(repo), /class .* current/);
});

/**
 * The structure mermaid's flowchart grammar needs, checked line by line (mermaid-cli is
 * not a dependency of this project): a header, node statements `id["label"]` or
 * `id(["label"])`, edges `id -->|"label"| id`, class definitions and assignments; labels
 * free of quotes, pipes, brackets, backticks and line breaks; every edge's ends declared.
 */
function assertMermaid(t: Test, text: string) {
  const lines = text.split('\n');
  t.equal(lines[0], 'flowchart LR', 'header');
  const nodes = new Set<string>();
  const label = '[A-Za-z0-9_.:? -]+';
  for (const l of lines.slice(1)) {
    const node = new RegExp(`^  ([a-z][a-z0-9]*)(?:\\["${label}"\\]|\\(\\["${label}"\\]\\))$`).exec(
      l,
    );
    const edge = new RegExp(`^  ([a-z][a-z0-9]*) -->\\|"${label}"\\| ([a-z][a-z0-9]*)$`).exec(l);
    const classDef = /^ {2}classDef [a-z]+ [a-z-]+:[#a-z0-9]+(,[a-z-]+:[#a-z0-9]+)*$/.test(l);
    const cls = /^ {2}class [a-z0-9]+(,[a-z0-9]+)* [a-z]+$/.test(l);
    if (node) nodes.add(node[1]!);
    else if (edge) {
      t.ok(nodes.has(edge[1]!) && nodes.has(edge[2]!), `edge ends declared: ${l}`);
    } else t.ok(classDef || cls, `a statement mermaid knows: ${JSON.stringify(l)}`);
  }
}

/**
 * withoutCodeSpans drops CommonMark code spans (a run of N backticks up to the next run of
 * exactly N) and the mermaid block, leaving the text GitHub would parse as Markdown.
 */
function withoutCodeSpans(md: string): string {
  const body = md.replace(/```mermaid\n[\s\S]*?\n```\n/, '');
  let out = '';
  let i = 0;
  while (i < body.length) {
    if (body[i] === '\\') {
      out += body.slice(i, i + 2);
      i += 2;
      continue;
    }
    const run = /^`+/.exec(body.slice(i))?.[0];
    if (!run) {
      out += body[i++];
      continue;
    }
    const close = new RegExp(`(?<!\`)${run}(?!\`)`, 'g');
    close.lastIndex = i + run.length;
    const m = close.exec(body);
    if (!m) {
      out += run;
      i += run.length;
      continue;
    }
    out += 'CODE';
    i = m.index + run.length;
  }
  return out;
}

t.test('hostile registry text stays inert in markdown, mermaid and text', async (t) => {
  const evil =
    'x | y `z` ``<img src=x> <script>alert(1)</script>\n::error::pwned *b* [l](javascript:1) ```';
  const hostile: StatusResult = {
    ...tagStatus,
    tags: [{ tag: 'prod', digest: D('a') }],
    freeze: { ...tagStatus.freeze!, reason: evil, actor: evil, until: evil },
    holds: [{ ...tagStatus.holds[0]!, reason: evil, runUrl: `javascript:alert(1)` }],
    history: tagStatus.history.map((e) => ({
      ...e,
      time: evil,
      actor: evil,
      source: evil,
      tag: 'prod"]; click d1 "javascript:x',
      reason: evil,
      runUrl: `${run}) [x](javascript:1`,
    })) as StatusResult['history'],
    stages: {
      staging: { ...tagStatus.stages.staging!, summary: evil, actor: evil, runUrl: `${run}|x` },
    },
  };
  const md = statusMarkdown({ ...hostile, tag: null });
  const lines = md.split('\n');
  const prose = withoutCodeSpans(md);
  t.notMatch(prose, /</, 'no raw HTML outside code spans (inside them it is literal text)');
  t.notMatch(prose, /(?<!\\)\]\(javascript:/i, 'no javascript: link');
  t.notMatch(prose, /(?<!\\)`/, 'no stray backtick: every code span closed where it should');
  t.ok(
    lines.every((l) => !l.startsWith('::')),
    'no line starts a workflow command',
  );
  const fences = lines.filter((l) => l.startsWith('```'));
  t.same(fences, ['```mermaid', '```'], 'only the mermaid fence');
  // Table rows keep their cell count: every pipe from the registry is escaped.
  for (const l of lines.filter((l) => l.startsWith('| '))) {
    const cells = l.replace(/\\\|/g, '').split('|').length;
    t.ok(cells === 4 || cells === 7 || cells === 8, `cells of ${l}`);
  }
  const diagram = statusMermaid({ ...hostile, tag: null })!;
  assertMermaid(t, diagram);
  t.match(
    diagram,
    /-->\|"prod\?\?\?\?click\?d1\?\?javascript\?x promote \?"\|/,
    'tag reduced to its grammar',
  );
  assertMermaid(t, statusMermaid(tagStatus)!);

  const text = statusLines(hostile);
  t.ok(
    text.every((l) => !/[\n\r\u001b]/.test(l) && !l.startsWith('::')),
    'text lines are single, inert lines',
  );
});

t.test('mdLink: http(s) only, characters that end a link or a cell encoded', async (t) => {
  t.equal(mdLink(null), '—');
  t.equal(mdLink(run), `[run](${run})`);
  t.equal(mdLink(`${run}?a=(b)|c`), `[run](${run}?a=%28b%29%7Cc)`);
  t.equal(mdLink('javascript:alert(1)'), 'javascript:alert(1)');
  t.equal(mdLink('not a url <b>'), 'not a url &lt;b&gt;');
});

t.test('safeTime: minutes in UTC, or ?', async (t) => {
  t.equal(safeTime('2026-12-01T07:00:59.999+02:00'), '2026-12-01 05:00');
  t.equal(safeTime('yesterday'), '?');
});

t.test('text: every fact on its own line', async (t) => {
  t.same(statusLines(tagStatus), [
    'Status of reg.example/prod/app:prod',
    `  digest    ${D('a')}`,
    `  tag       prod                 ${D('a')}`,
    '  freeze    frozen by carol at 2026-12-01T10:00:00.000Z until 2026-12-08T00:00:00.000Z: launch week',
    '  hold      sha256:bbbbbbbbbbbb held by bob at 2026-12-01T09:00:00.000Z: rolled back: 500s',
    '  held      no',
    `  stage     staging      passed by ci at 2026-12-01T06:00:00.000Z (health=passed) ${run}`,
    'History (newest first):',
    '  2026-12-01T09:00:00.000Z  rollback  sha256:aaaaaaaaaaaa  by bob: prod (was sha256:bbbbbbbbbbbb) — reason: 500s',
    '  2026-12-01T08:00:00.000Z  promote   sha256:bbbbbbbbbbbb  by alice from reg.example/stg/app:1.1: prod (was sha256:aaaaaaaaaaaa)',
    '  2026-12-01T07:00:00.000Z  promote   sha256:aaaaaaaaaaaa  by alice from reg.example/stg/app:1.0: prod (new) — override freeze: hotfix',
  ]);
  t.same(statusLines(empty), [
    'Status of reg.example/prod/app',
    '  tags      none',
    '  freeze    none',
    '  holds     none',
    'History: none recorded',
  ]);
  t.match(
    statusLines({ ...empty, digest: D('b'), held: true, tagsTruncated: true }).join('\n'),
    /held {6}yes[\s\S]*stages {4}no verification recorded/,
  );
});
