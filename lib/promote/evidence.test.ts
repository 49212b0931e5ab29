import t from 'tap';
import type { Digest } from '../digest.js';
import type { Descriptor } from '../manifest.js';
import { OCI_MANIFEST } from '../media-types.js';
import { freezeIn, holdsIn, latestPerStage, verificationsOf } from './evidence.js';
import { parseCheck, parseDuration, parseStage, parseText, parseUntil } from './evidence-fields.js';
import { ledgerEntriesOf } from './ledger.js';
import { ANNOTATION, RECORD_ARTIFACT_TYPE } from './record.js';
import { predicateOf, statementOf } from './statement.js';

const D = (c: string) => `sha256:${c.repeat(64)}` as Digest;
let n = 0;
const entry = (annotations: Record<string, string>): Descriptor => ({
  mediaType: OCI_MANIFEST,
  digest: D((n++ % 16).toString(16)),
  size: 1,
  artifactType: RECORD_ARTIFACT_TYPE,
  annotations: { [ANNOTATION.tags]: '[]', ...annotations },
});
const at = (i: number) => `2026-12-01T10:00:0${i}.000Z`;

t.test('holdsIn: the last hold or release of a digest decides', async (t) => {
  const entries = ledgerEntriesOf([
    entry({
      [ANNOTATION.created]: at(1),
      [ANNOTATION.action]: 'hold',
      [ANNOTATION.digest]: D('a'),
      [ANNOTATION.reason]: 'bad',
    }),
    entry({
      [ANNOTATION.created]: at(2),
      [ANNOTATION.action]: 'hold',
      [ANNOTATION.digest]: D('b'),
      [ANNOTATION.reason]: 'worse',
    }),
    entry({
      [ANNOTATION.created]: at(3),
      [ANNOTATION.action]: 'release',
      [ANNOTATION.digest]: D('a'),
      [ANNOTATION.reason]: 'ok',
    }),
    // Forged: a hold whose digest is a path is no entry at all.
    entry({
      [ANNOTATION.created]: at(4),
      [ANNOTATION.action]: 'hold',
      [ANNOTATION.digest]: '../x/manifests/1',
    }),
    entry({
      [ANNOTATION.created]: at(5),
      [ANNOTATION.action]: 'delete',
      [ANNOTATION.digest]: D('c'),
    }),
  ]);
  t.same(
    holdsIn(entries).map((h) => [h.digest, h.reason]),
    [[D('b'), 'worse']],
  );
});

t.test('freezeIn: the last freeze or unfreeze decides; until lifts it', async (t) => {
  const now = new Date('2026-12-01T12:00:00Z');
  const freeze = (until?: string) =>
    entry({
      [ANNOTATION.created]: at(1),
      [ANNOTATION.action]: 'freeze',
      [ANNOTATION.reason]: 'year end',
      ...(until && { [ANNOTATION.until]: until }),
    });
  const unfreeze = entry({
    [ANNOTATION.created]: at(2),
    [ANNOTATION.action]: 'unfreeze',
    [ANNOTATION.reason]: 'done',
  });
  t.equal(freezeIn(ledgerEntriesOf([freeze()]), now)?.reason, 'year end');
  t.equal(freezeIn(ledgerEntriesOf([freeze(), unfreeze]), now), null);
  t.equal(freezeIn(ledgerEntriesOf([freeze('2026-12-01T11:00:00Z')]), now), null, 'expired');
  t.equal(
    freezeIn(ledgerEntriesOf([freeze('2026-12-01T13:00:00Z')]), now)?.until,
    '2026-12-01T13:00:00Z',
  );
  t.equal(
    freezeIn(ledgerEntriesOf([freeze('not a time')]), now),
    null,
    'a malformed freeze is no entry',
  );
  const withDigest = entry({
    [ANNOTATION.action]: 'freeze',
    [ANNOTATION.digest]: D('a'),
    [ANNOTATION.reason]: 'x',
  });
  t.equal(
    freezeIn(ledgerEntriesOf([withDigest]), now),
    null,
    'a freeze naming a digest is malformed',
  );
});

t.test('verificationsOf and latestPerStage', async (t) => {
  const v = (i: number, stage: string, result: string, digest = D('a'), checks = '[]') =>
    entry({
      [ANNOTATION.created]: at(i),
      [ANNOTATION.action]: 'attest',
      [ANNOTATION.digest]: digest,
      [ANNOTATION.stage]: stage,
      [ANNOTATION.result]: result,
      [ANNOTATION.checks]: checks,
    });
  const entries = ledgerEntriesOf([
    v(1, 'staging', 'passed'),
    v(2, 'staging', 'failed', D('a'), '[{"name":"health","result":"failed"}]'),
    v(3, 'perf', 'passed'),
    v(4, 'staging', 'passed', D('b')),
    v(5, 'constructor', 'passed'),
    v(6, 'Staging', 'passed'), // not a stage name: left out
    v(7, 'staging', 'maybe'), // not a result: left out
    v(8, 'qa', 'passed', D('a'), '[{"name":"\\u0000","result":"passed"}]'), // bad check name
  ]);
  const mine = verificationsOf(entries, D('a'));
  t.same(
    mine.map((x) => [x.stage, x.result]),
    [
      ['constructor', 'passed'],
      ['perf', 'passed'],
      ['staging', 'failed'],
      ['staging', 'passed'],
    ],
  );
  const latest = latestPerStage(mine);
  t.equal(latest.staging?.result, 'failed');
  t.same(latest.staging?.checks, [{ name: 'health', result: 'failed' }]);
  t.equal(
    latest['constructor' as string]?.result,
    'passed',
    'a stage named like an Object property is kept',
  );
});

t.test('statements: subject and predicate type must agree with the predicate', async (t) => {
  const good = statementOf({ action: 'hold' as const, repository: 'r.io/app', digest: D('a') });
  t.ok(predicateOf(good));
  t.same(good.subject, [{ name: 'r.io/app', digest: { sha256: 'a'.repeat(64) } }]);
  t.same(statementOf({ action: 'freeze' as const, repository: 'r.io/app', digest: null }).subject, [
    { name: 'r.io/app', uri: 'oci://r.io/app' },
  ]);
  const bad: Array<[string, unknown]> = [
    ['another _type', { ...good, _type: 'https://in-toto.io/Statement/v0.1' }],
    [
      'predicate type of another kind',
      { ...good, predicateType: 'https://oci-promote.dev/release/v1' },
    ],
    [
      'subject of another digest',
      { ...good, subject: [{ name: 'r.io/app', digest: { sha256: 'b'.repeat(64) } }] },
    ],
    ['two subjects', { ...good, subject: [...good.subject, ...good.subject] }],
    ['unknown action', { ...good, predicate: { ...good.predicate, action: 'toString' } }],
    ['not an object', 'statement'],
  ];
  for (const [name, value] of bad) t.equal(predicateOf(value), undefined, name);
});

t.test('user input: stages, checks, reasons, durations, times', async (t) => {
  t.equal(parseStage('prod-eu.1'), 'prod-eu.1');
  for (const s of ['', 'Staging', '-x', 'a'.repeat(65), 'stage one'])
    t.throws(() => parseStage(s), { code: 'ERR_USAGE' });
  t.same(parseCheck('http p95=passed'), { name: 'http p95', result: 'passed' });
  for (const c of ['health', '=passed', 'health=ok', 'x\n=passed', 'a=b=failed'])
    t.throws(() => parseCheck(c), { code: 'ERR_USAGE' });
  t.equal(parseText(' why ', '--reason'), 'why');
  for (const r of [undefined, '', '   ', 'a\nb', 'x'.repeat(1025)])
    t.throws(() => parseText(r, '--reason'), { code: 'ERR_USAGE' });
  t.equal(parseDuration('72h'), 72 * 3_600_000);
  t.equal(parseDuration('1h30m'), 90 * 60_000);
  t.equal(parseDuration('90s'), 90_000);
  for (const d of ['', '72', 'h', '-1h', '0s', '1.5h', '1w', '99999999999999999d'])
    t.throws(() => parseDuration(d), { code: 'ERR_USAGE' });
  const now = new Date('2026-12-01T12:00:00Z');
  t.equal(parseUntil('4h', now).toISOString(), '2026-12-01T16:00:00.000Z');
  t.equal(parseUntil('2026-12-24T18:00:00Z', now).toISOString(), '2026-12-24T18:00:00.000Z');
  for (const u of ['2026-11-30T00:00:00Z', 'tomorrow', '2026-13-45T00:00:00Z'])
    t.throws(() => parseUntil(u, now), { code: 'ERR_USAGE' });
});
