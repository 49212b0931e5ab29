import t from 'tap';
import type { Digest } from '../digest.js';
import type { Descriptor } from '../manifest.js';
import { OCI_MANIFEST } from '../media-types.js';
import { entriesOf } from './ledger.js';
import { ANNOTATION, RECORD_ARTIFACT_TYPE } from './record.js';

const D = (c: string) => `sha256:${c.repeat(64)}` as Digest;

const listed = (annotations: Record<string, string>): Descriptor => ({
  mediaType: OCI_MANIFEST,
  digest: D('f'),
  size: 100,
  artifactType: RECORD_ARTIFACT_TYPE,
  annotations,
});
const tags = (...list: unknown[]) => JSON.stringify(list);

t.test('entriesOf keeps only entries whose every field parses', async (t) => {
  const good = { tag: 'latest', previousDigest: D('a') };
  const cases: Array<[string, Record<string, string>, number]> = [
    ['a well-formed entry', { [ANNOTATION.digest]: D('b'), [ANNOTATION.tags]: tags(good) }, 1],
    [
      'two tags, one created',
      {
        [ANNOTATION.digest]: D('b'),
        [ANNOTATION.tags]: tags(good, { tag: '1.0.0', previousDigest: null }),
        [ANNOTATION.action]: 'rollback',
      },
      2,
    ],
    [
      'a path as the digest',
      { [ANNOTATION.digest]: '../../../x/app/manifests/1', [ANNOTATION.tags]: tags(good) },
      0,
    ],
    ['no digest', { [ANNOTATION.tags]: tags(good) }, 0],
    ['an uppercase digest', { [ANNOTATION.digest]: D('B'), [ANNOTATION.tags]: tags(good) }, 0],
    ['a short digest', { [ANNOTATION.digest]: 'sha256:abc', [ANNOTATION.tags]: tags(good) }, 0],
    [
      'a path as a previous digest',
      {
        [ANNOTATION.digest]: D('b'),
        [ANNOTATION.tags]: tags({ tag: 'latest', previousDigest: '../../x/manifests/1' }),
      },
      0,
    ],
    [
      'one bad tag spoils the record',
      {
        [ANNOTATION.digest]: D('b'),
        [ANNOTATION.tags]: tags(good, { tag: '../latest', previousDigest: null }),
      },
      0,
    ],
    [
      'a tag that is not a string',
      { [ANNOTATION.digest]: D('b'), [ANNOTATION.tags]: tags({ tag: 7, previousDigest: null }) },
      0,
    ],
    ['tags not a list', { [ANNOTATION.digest]: D('b'), [ANNOTATION.tags]: '{"tag":"x"}' }, 0],
    ['tags not JSON', { [ANNOTATION.digest]: D('b'), [ANNOTATION.tags]: '[' }, 0],
    [
      'an unknown action',
      { [ANNOTATION.digest]: D('b'), [ANNOTATION.tags]: tags(good), [ANNOTATION.action]: 'delete' },
      0,
    ],
  ];
  for (const [name, annotations, n] of cases) {
    const entries = entriesOf([listed(annotations)]);
    t.equal(entries.length, n, name);
    for (const e of entries) t.match(e.digest, /^sha256:[0-9a-f]{64}$/, `${name}: digest`);
  }
});
