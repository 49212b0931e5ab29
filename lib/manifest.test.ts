import t from 'tap';
import { childrenOf, MAX_MANIFEST_BYTES, parseManifest } from './manifest.js';
import {
  DOCKER_MANIFEST,
  DOCKER_MANIFEST_LIST,
  DOCKER_SCHEMA1_SIGNED,
  OCI_INDEX,
  OCI_MANIFEST,
} from './media-types.js';

const d = (c: string) => `sha256:${c.repeat(64)}`;
const config = { mediaType: 'application/vnd.oci.image.config.v1+json', digest: d('c'), size: 100 };
const layer = {
  mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
  digest: d('1'),
  size: 2000,
};
const enc = (v: unknown) => Buffer.from(JSON.stringify(v));

t.test('parses the four manifest kinds and lists their children', async (t) => {
  const image = parseManifest(
    enc({ schemaVersion: 2, mediaType: OCI_MANIFEST, config, layers: [layer] }),
  );
  t.equal(image.kind, 'image');
  t.same(
    childrenOf(image).map((c) => c.digest),
    [d('c'), d('1')],
  );

  const docker = parseManifest(
    enc({ schemaVersion: 2, mediaType: DOCKER_MANIFEST, config, layers: [layer] }),
    `${DOCKER_MANIFEST}; charset=utf-8`,
  );
  t.equal(docker.mediaType, DOCKER_MANIFEST);

  const child = {
    mediaType: OCI_MANIFEST,
    digest: d('a'),
    size: 500,
    platform: { os: 'linux', architecture: 'arm64', variant: 'v8' },
  };
  const index = parseManifest(enc({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: [child] }));
  t.equal(index.kind, 'index');
  t.same(childrenOf(index), [child]);

  const list = parseManifest(
    enc({ schemaVersion: 2, mediaType: DOCKER_MANIFEST_LIST, manifests: [] }),
  );
  t.equal(list.kind, 'index');
});

t.test('infers the type of an OCI manifest without mediaType', async (t) => {
  t.equal(parseManifest(enc({ schemaVersion: 2, config, layers: [] })).mediaType, OCI_MANIFEST);
  t.equal(parseManifest(enc({ schemaVersion: 2, manifests: [] })).mediaType, OCI_INDEX);
  t.equal(
    parseManifest(enc({ schemaVersion: 2, manifests: [] }), DOCKER_MANIFEST_LIST).mediaType,
    DOCKER_MANIFEST_LIST,
  );
});

t.test('reads artifactType, subject and annotations', async (t) => {
  const m = parseManifest(
    enc({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      artifactType: 'application/spdx+json',
      config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: d('e'), size: 2 },
      layers: [layer],
      subject: { mediaType: OCI_MANIFEST, digest: d('f'), size: 10 },
      annotations: { 'org.opencontainers.image.created': '2026-01-01T00:00:00Z' },
    }),
  );
  t.equal(m.artifactType, 'application/spdx+json');
  t.equal(m.subject?.digest, d('f'));
  t.equal(m.annotations?.['org.opencontainers.image.created'], '2026-01-01T00:00:00Z');
});

t.test('rejects what cannot be trusted', async (t) => {
  const cases: Array<[string, Buffer, string | undefined, string, RegExp]> = [
    ['not JSON', Buffer.from('{'), undefined, 'ERR_MANIFEST_INVALID', /JSON/],
    ['array', enc([]), undefined, 'ERR_MANIFEST_INVALID', /object/],
    [
      'schema 1',
      enc({ schemaVersion: 1, name: 'x' }),
      undefined,
      'ERR_UNSUPPORTED_MEDIA_TYPE',
      /schema 1/,
    ],
    [
      'schema 1 by header',
      enc({ schemaVersion: 2 }),
      DOCKER_SCHEMA1_SIGNED,
      'ERR_UNSUPPORTED_MEDIA_TYPE',
      /schema 1/,
    ],
    [
      'ambiguous',
      enc({ schemaVersion: 2, manifests: [], layers: [] }),
      undefined,
      'ERR_MANIFEST_INVALID',
      /ambiguous/,
    ],
    [
      'type confusion',
      enc({ schemaVersion: 2, mediaType: OCI_MANIFEST, config, layers: [] }),
      OCI_INDEX,
      'ERR_MANIFEST_INVALID',
      /does not match/,
    ],
    [
      'unknown type',
      enc({ schemaVersion: 2, mediaType: 'text/plain' }),
      undefined,
      'ERR_UNSUPPORTED_MEDIA_TYPE',
      /text\/plain/,
    ],
    [
      'huge size',
      enc({
        schemaVersion: 2,
        mediaType: OCI_MANIFEST,
        config: { ...config, size: 2 ** 53 },
        layers: [],
      }),
      undefined,
      'ERR_MANIFEST_INVALID',
      /size/,
    ],
    [
      'negative size',
      enc({
        schemaVersion: 2,
        mediaType: OCI_MANIFEST,
        config: { ...config, size: -1 },
        layers: [],
      }),
      undefined,
      'ERR_MANIFEST_INVALID',
      /size/,
    ],
    [
      'fractional size',
      enc({
        schemaVersion: 2,
        mediaType: OCI_MANIFEST,
        config: { ...config, size: 1.5 },
        layers: [],
      }),
      undefined,
      'ERR_MANIFEST_INVALID',
      /size/,
    ],
    [
      'bad digest',
      enc({
        schemaVersion: 2,
        mediaType: OCI_MANIFEST,
        config,
        layers: [{ ...layer, digest: 'sha256:../../x' }],
      }),
      undefined,
      'ERR_MANIFEST_INVALID',
      /layers\[0\]\.digest/,
    ],
    [
      'no layers',
      enc({ schemaVersion: 2, mediaType: OCI_MANIFEST, config }),
      undefined,
      'ERR_MANIFEST_INVALID',
      /layers/,
    ],
    [
      'no manifests',
      enc({ schemaVersion: 2, mediaType: OCI_INDEX }),
      undefined,
      'ERR_MANIFEST_INVALID',
      /manifests/,
    ],
    [
      'too large',
      Buffer.alloc(MAX_MANIFEST_BYTES + 1, 0x20),
      undefined,
      'ERR_MANIFEST_TOO_LARGE',
      /exceeds/,
    ],
  ];
  for (const [name, bytes, type, code, message] of cases) {
    t.throws(() => parseManifest(bytes, type), { code, message }, name);
  }
});
