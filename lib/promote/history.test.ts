import t from 'tap';
import type { Digest } from '../digest.js';
import { tagStack } from './history.js';
import type { HistoryEntry } from './types.js';

const D = (c: string) => `sha256:${c.repeat(64)}` as Digest;
const e = (action: 'promote' | 'rollback', prev: string | null, digest: string): HistoryEntry => ({
  time: '',
  action,
  tag: 'latest',
  digest: D(digest),
  previousDigest: prev === null ? null : D(prev),
  source: null,
  actor: null,
  runUrl: null,
  record: D('r'),
});
const short = (s: Array<Digest | null>) => s.map((d) => (d === null ? '-' : d[7]));

t.test('tagStack', async (t) => {
  const cases: Array<[string, HistoryEntry[], string[]]> = [
    ['first promotion', [e('promote', null, '1')], ['-', '1']],
    [
      'three promotions',
      [e('promote', null, '1'), e('promote', '1', '2'), e('promote', '2', '3')],
      ['-', '1', '2', '3'],
    ],
    [
      'rollback pops, a second rollback pops further',
      [
        e('promote', null, '1'),
        e('promote', '1', '2'),
        e('promote', '2', '3'),
        e('rollback', '3', '2'),
        e('rollback', '2', '1'),
      ],
      ['-', '1'],
    ],
    [
      'a promotion after a rollback returns to the rolled-back-to digest',
      [
        e('promote', null, '1'),
        e('promote', '1', '2'),
        e('rollback', '2', '1'),
        e('promote', '1', '4'),
      ],
      ['-', '1', '4'],
    ],
    [
      'tag moved outside the tool in between',
      [e('promote', null, '1'), e('promote', 'x', '2')],
      ['-', '1', 'x', '2'],
    ],
    ['a repeated record is one step', [e('promote', '1', '2'), e('promote', '1', '2')], ['1', '2']],
    [
      'rollback to a digest the stack does not hold',
      [e('promote', '1', '2'), e('rollback', '2', '9')],
      ['9'],
    ],
  ];
  for (const [name, entries, want] of cases) t.same(short(tagStack(entries)), want, name);
});
