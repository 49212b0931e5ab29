import t from 'tap';
import type { Digest, HistoryEntry } from '../../lib/index.js';
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
