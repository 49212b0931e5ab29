import t from 'tap';
import { parseManifest } from '../manifest.js';
import { OCI_INDEX, OCI_MANIFEST } from '../media-types.js';
import { parsePlatform } from '../platform.js';
import { filterIndexBytes, selectPlatforms } from './plan.js';

const d = (c: string) => `sha256:${c.repeat(64)}`;
const entry = (c: string, platform: string, extra: object = {}) => {
  const [os, architecture, variant] = platform.split('/');
  return {
    mediaType: OCI_MANIFEST,
    digest: d(c),
    size: 100,
    platform: { os, architecture, ...(variant && { variant }) },
    ...extra,
  };
};
const raw = {
  schemaVersion: 2,
  mediaType: OCI_INDEX,
  manifests: [
    entry('a', 'linux/amd64'),
    entry('b', 'linux/arm64/v8'),
    entry('c', 'linux/arm/v7'),
    entry('e', 'unknown/unknown', {
      annotations: {
        'vnd.docker.reference.type': 'attestation-manifest',
        'vnd.docker.reference.digest': d('b'),
      },
    }),
  ],
  annotations: { keep: 'me' },
};
const bytes = Buffer.from(JSON.stringify(raw));
const index = parseManifest(bytes);
if (index.kind !== 'index') throw new Error('fixture is an index');

t.test('selectPlatforms keeps matches and their attestations', async (t) => {
  const cases: Array<[string[], string[]]> = [
    [['linux/amd64'], [d('a')]],
    [['linux/arm64'], [d('b'), d('e')]],
    [
      ['linux/amd64', 'linux/arm/v7'],
      [d('a'), d('c')],
    ],
    [['linux/arm/v6'], []],
    [['windows/amd64'], []],
  ];
  for (const [want, expected] of cases) {
    t.same(
      selectPlatforms(index, want.map(parsePlatform)).map((x) => x.digest),
      expected,
      want.join(','),
    );
  }
});

t.test('filterIndexBytes keeps every other field', async (t) => {
  const out = JSON.parse(
    filterIndexBytes(bytes, selectPlatforms(index, [parsePlatform('linux/amd64')])).toString(),
  );
  t.same(out.annotations, { keep: 'me' });
  t.equal(out.mediaType, OCI_INDEX);
  t.same(out.manifests, [raw.manifests[0]]);
});
