import t from 'tap';
import type { Digest, EvidenceResult } from '../lib/index.js';
import { evidenceMarkdown, evidenceOutput, evidenceOutputs } from './evidence-report.js';

const D = (c: string) => `sha256:${c.repeat(64)}` as Digest;
const base = {
  repository: 'reg.example/prod/app',
  time: '2026-12-01T00:00:00.000Z',
  dryRun: false,
};
const attested: EvidenceResult = {
  ...base,
  action: 'attest',
  digest: D('a'),
  record: D('r'),
  reason: null,
  stage: 'staging',
  result: 'failed',
};
const held: EvidenceResult = {
  ...base,
  action: 'hold',
  digest: D('a'),
  record: D('r'),
  reason: 'bad | `x` <b>\n::error::y',
};
const frozen: EvidenceResult = {
  ...base,
  action: 'freeze',
  digest: null,
  record: null,
  reason: 'launch',
  until: '2026-12-08T00:00:00.000Z',
  dryRun: true,
};

t.test('outputs: record and digest; stage and result for attest', async (t) => {
  t.same(evidenceOutputs(attested), {
    record: D('r'),
    digest: D('a'),
    stage: 'staging',
    result: 'failed',
  });
  t.same(evidenceOutputs(frozen), { record: '', digest: '' });
});

t.test('summary: what was recorded, registry-bound text escaped', async (t) => {
  t.equal(
    evidenceMarkdown(attested),
    `### 📝 Attested \`reg.example/prod/app@${D('a')}\`\n\nstaging failed — record \`${D('r')}\`\n`,
  );
  const md = evidenceMarkdown(held);
  t.match(md, 'bad \\| \\`x\\` &lt;b&gt; ::error::y');
  t.notMatch(md, /\n::/, 'no line starts a workflow command');
  t.equal(
    evidenceMarkdown(frozen),
    '### 🧊 Would freeze (dry run, nothing written) `reg.example/prod/app`\n\nuntil 2026-12-08T00:00:00.000Z: launch\n',
  );
});

t.test('text', async (t) => {
  t.same(evidenceOutput(attested).text, [
    'Attested reg.example/prod/app@sha256:aaaaaaaaaaaa: staging failed',
    `  digest    ${D('a')}`,
    `  record    ${D('r')}`,
    '  time      2026-12-01T00:00:00.000Z',
  ]);
  t.same(evidenceOutput(frozen).text, [
    'Would freeze reg.example/prod/app: until 2026-12-08T00:00:00.000Z: launch',
    '  time      2026-12-01T00:00:00.000Z',
  ]);
  t.equal(evidenceOutput(held).json, held, '--json is the result');
});
