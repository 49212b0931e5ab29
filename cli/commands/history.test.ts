import t from 'tap';
import type { Digest, EvidenceEntry, HistoryEntry } from '../../lib/index.js';
import { historyLines } from './history.js';

const D = (c: string) => `sha256:${c.repeat(64)}` as Digest;
const entry = (over: Partial<HistoryEntry>): HistoryEntry => ({
  time: '2026-12-01T00:00:00.000Z',
  action: 'promote',
  tag: 'latest',
  digest: D('b'),
  previousDigest: null,
  source: null,
  actor: null,
  runUrl: null,
  record: D('1'),
  ...over,
});

t.test('historyLines groups the tags of one record on one line', async (t) => {
  t.same(
    historyLines([
      entry({
        action: 'rollback',
        tag: 'latest',
        digest: D('a'),
        previousDigest: D('b'),
        record: D('2'),
        actor: 'bob',
      }),
      entry({ tag: '1.1.0', source: `reg/staging/app:1.1.0@${D('b')}`, actor: 'alice' }),
      entry({
        tag: 'latest',
        previousDigest: D('a'),
        source: 'reg/staging/app:1.1.0',
        actor: 'alice',
      }),
    ]),
    [
      '2026-12-01T00:00:00.000Z  rollback  sha256:aaaaaaaaaaaa  by bob: latest (was sha256:bbbbbbbbbbbb)',
      '2026-12-01T00:00:00.000Z  promote   sha256:bbbbbbbbbbbb  by alice from reg/staging/app:1.1.0: 1.1.0 (new), latest (was sha256:aaaaaaaaaaaa)',
    ],
  );
});

t.test('historyLines: evidence records, rollback reasons and overrides', async (t) => {
  const evidence = (over: Partial<EvidenceEntry>): EvidenceEntry => ({
    time: '2026-12-01T00:00:00.000Z',
    action: 'hold',
    tag: null,
    digest: D('a'),
    previousDigest: null,
    source: null,
    actor: 'carol',
    runUrl: null,
    record: D('5'),
    reason: null,
    ...over,
  });
  t.same(
    historyLines([
      evidence({
        action: 'freeze',
        digest: null,
        reason: 'launch',
        until: '2026-12-02T00:00:00.000Z',
      }),
      evidence({ reason: 'crashes\n::error::x', record: D('6') }),
      evidence({
        action: 'attest',
        actor: null,
        stage: 'staging',
        result: 'failed',
        checks: [{ name: 'health', result: 'failed' }],
        summary: 'health failed',
        record: D('7'),
      }),
      entry({
        action: 'rollback',
        digest: D('a'),
        previousDigest: D('b'),
        record: D('8'),
        reason: 'bad deploy',
      }),
      entry({ actor: 'dave', record: D('9'), overrides: [{ gate: 'freeze', reason: 'hotfix' }] }),
    ]),
    [
      '2026-12-01T00:00:00.000Z  freeze    (repository)         by carol: launch (until 2026-12-02T00:00:00.000Z)',
      '2026-12-01T00:00:00.000Z  hold      sha256:aaaaaaaaaaaa  by carol: crashes\\n::error::x',
      '2026-12-01T00:00:00.000Z  attest    sha256:aaaaaaaaaaaa  staging failed (health=failed) — health failed',
      '2026-12-01T00:00:00.000Z  rollback  sha256:aaaaaaaaaaaa  latest (was sha256:bbbbbbbbbbbb) — reason: bad deploy',
      '2026-12-01T00:00:00.000Z  promote   sha256:bbbbbbbbbbbb  by dave: latest (new) — override freeze: hotfix',
    ],
  );
});
