import t from 'tap';
import {
  formatReference,
  manifestReference,
  parseReference,
  parseRepository,
} from './reference.js';

const hex = 'a'.repeat(64);

t.test('parseReference accepts the distribution grammar', async (t) => {
  const cases: Array<[string, string, string, string?, string?]> = [
    // input, registry, repository, tag, digest
    ['alpine', 'docker.io', 'library/alpine'],
    ['alpine:3.20', 'docker.io', 'library/alpine', '3.20'],
    ['user/app', 'docker.io', 'user/app'],
    ['index.docker.io/user/app:v1', 'docker.io', 'user/app', 'v1'],
    ['docker.io/alpine', 'docker.io', 'library/alpine'],
    ['ghcr.io/org/team/app:1.2.3', 'ghcr.io', 'org/team/app', '1.2.3'],
    ['localhost:5000/app', 'localhost:5000', 'app'],
    ['localhost/app:latest', 'localhost', 'app', 'latest'],
    ['127.0.0.1:41234/staging/app:v1', '127.0.0.1:41234', 'staging/app', 'v1'],
    ['[::1]:5000/app', '[::1]:5000', 'app'],
    [`ghcr.io/o/app@sha256:${hex}`, 'ghcr.io', 'o/app', undefined, `sha256:${hex}`],
    [`ghcr.io/o/app:v1@sha256:${hex}`, 'ghcr.io', 'o/app', 'v1', `sha256:${hex}`],
    [
      'reg.example.com/a__b/c-d/e.f/g---h:_x.y-Z',
      'reg.example.com',
      'a__b/c-d/e.f/g---h',
      '_x.y-Z',
    ],
    [`r.io/app:${'x'.repeat(128)}`, 'r.io', 'app', 'x'.repeat(128)],
  ];
  for (const [input, registry, repository, tag, digest] of cases) {
    const ref = parseReference(input);
    t.same(ref, { registry, repository, ...(tag && { tag }), ...(digest && { digest }) }, input);
  }
});

t.test('parseReference rejects what the grammar forbids', async (t) => {
  const bad: Array<[string, RegExp]> = [
    ['', /empty/],
    ['r.io/a/../b', /repository path/],
    ['r.io/%2e%2e/b', /repository path/],
    ['r.io/App', /repository path/],
    ['r.io/app/', /repository path/],
    ['r.io/a//b', /repository path/],
    ['r.io/a..b', /repository path/],
    ['r.io/-a', /repository path/],
    ['r.io/app:-tag', /tag/],
    ['r.io/app:.tag', /tag/],
    [`r.io/app:${'x'.repeat(129)}`, /tag/],
    ['r.io/app:t@g', /digest/],
    ['r.io/app@sha256:abc', /64 hex/],
    [`r.io/app@sha256:${'A'.repeat(64)}`, /invalid digest/],
    [`r.io/app@md5:${'a'.repeat(32)}`, /invalid digest/],
    ['r.io/app@sha256:../../x', /invalid digest/],
    [`r.io/${'a'.repeat(260)}`, /longer than 255/],
    ['r_x.io/app', /registry/],
    ['reg..io/app', /registry/],
    ['reg.io:99999/app', /port/],
    ['reg.io/app name', /tag|repository/],
  ];
  for (const [input, re] of bad) {
    t.throws(() => parseReference(input), { code: 'ERR_INVALID_REFERENCE', message: re }, input);
  }
});

t.test('skopeo transport prefixes are refused with what to write instead', async (t) => {
  const cases: Array<[string, RegExp]> = [
    ['docker://ghcr.io/a/b:1', /drop the "docker:\/\/" prefix: ghcr\.io\/a\/b:1$/],
    ['https://ghcr.io/a/b:1', /drop the "https:\/\/" prefix: ghcr\.io\/a\/b:1$/],
    [
      'oci:/tmp/layout:1.0',
      /OCI layouts are written as oci-layout:PATH\[:tag\]: oci-layout:\/tmp\/layout:1\.0$/,
    ],
    ['oci-archive:/tmp/x.tar', /"oci-archive:" is a skopeo transport/],
    ['docker-daemon:app:1', /"docker-daemon:" is a skopeo transport/],
  ];
  for (const [input, re] of cases) {
    t.throws(() => parseReference(input), { code: 'ERR_INVALID_REFERENCE', message: re }, input);
  }
  // A host that merely looks like a transport name, with a port, is still a host.
  t.equal(parseReference('dir:5000/app:1').registry, 'dir:5000');
  t.equal(parseReference('oci:5000/app:1').registry, 'oci:5000');
});

t.test('formatReference round-trips', async (t) => {
  for (const s of [
    'ghcr.io/o/app:v1',
    `ghcr.io/o/app@sha256:${hex}`,
    `localhost:5000/a/b:c@sha256:${hex}`,
  ]) {
    t.equal(formatReference(parseReference(s)), s);
  }
  t.equal(formatReference(parseReference('alpine')), 'docker.io/library/alpine');
});

t.test('parseRepository refuses tags and digests', async (t) => {
  t.same(parseRepository('ghcr.io/o/app'), { registry: 'ghcr.io', repository: 'o/app' });
  t.throws(() => parseRepository('ghcr.io/o/app:v1'), { code: 'ERR_INVALID_REFERENCE' });
  t.throws(() => parseRepository(`ghcr.io/o/app@sha256:${hex}`), { code: 'ERR_INVALID_REFERENCE' });
});

t.test('manifestReference: the digest, else the tag; a bare name is refused', async (t) => {
  const cases: Array<[string, string]> = [
    ['ghcr.io/o/app:v1', 'v1'],
    [`ghcr.io/o/app@sha256:${hex}`, `sha256:${hex}`],
    [`ghcr.io/o/app:v1@sha256:${hex}`, `sha256:${hex}`],
    ['alpine:latest', 'latest'],
  ];
  for (const [input, named] of cases) t.equal(manifestReference(parseReference(input)), named);
  for (const bare of ['ghcr.io/o/app', 'alpine']) {
    const name = formatReference(parseReference(bare));
    t.throws(() => manifestReference(parseReference(bare)), {
      code: 'ERR_USAGE',
      message: `${name} names no tag or digest: add one, e.g. ${name}:latest or ${name}@sha256:<hex>`,
    });
  }
});
