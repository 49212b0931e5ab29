import t from 'tap';
import { InvalidReferenceError } from '../errors.js';
import { formatLocation, isLayoutLocation, type Location, parseLocation } from './location.js';

const D = `sha256:${'a'.repeat(64)}`;

t.test('layout locations: PATH, tag, digest', async (t) => {
  const cases: Array<[string, { path: string; tag?: string; digest?: string }]> = [
    ['oci-layout:/data/app', { path: '/data/app' }],
    ['oci-layout:./app', { path: './app' }],
    ['oci-layout:app', { path: 'app' }],
    ['oci-layout:/data/app:1.2.3', { path: '/data/app', tag: '1.2.3' }],
    ['oci-layout:app:latest', { path: 'app', tag: 'latest' }],
    [`oci-layout:/data/app@${D}`, { path: '/data/app', digest: D }],
    [`oci-layout:/data/app:v1@${D}`, { path: '/data/app', tag: 'v1', digest: D }],
    // The last ":" splits the tag (skopeo's `oci:` rule) ...
    ['oci-layout:/mnt/a:b', { path: '/mnt/a', tag: 'b' }],
    ['oci-layout:/mnt/a:b:v1', { path: '/mnt/a:b', tag: 'v1' }],
    // ... a trailing ":" ends PATH with no tag ...
    ['oci-layout:/mnt/a:b:', { path: '/mnt/a:b' }],
    [`oci-layout:/mnt/a:b:@${D}`, { path: '/mnt/a:b', digest: D }],
    ['oci-layout:C:', { path: 'C' }],
    // ... and a ":" followed later by "/" belongs to PATH.
    ['oci-layout:/mnt/usb:2024/images', { path: '/mnt/usb:2024/images' }],
    ['oci-layout:/mnt/usb:2024/images:v2', { path: '/mnt/usb:2024/images', tag: 'v2' }],
    // An "@" not followed by an algorithm and ":" is part of PATH.
    ['oci-layout:/data/me@host/app', { path: '/data/me@host/app' }],
    ['oci-layout:/data/app@2024:v1', { path: '/data/app@2024', tag: 'v1' }],
    ['oci-layout:/data/a b/c d:t', { path: '/data/a b/c d', tag: 't' }],
    [`oci-layout:/x:${'a'.repeat(128)}`, { path: '/x', tag: 'a'.repeat(128) }],
  ];
  for (const [input, want] of cases) {
    t.same(parseLocation(input), { kind: 'layout', ...want }, input);
    const back = formatLocation(parseLocation(input));
    t.same(parseLocation(back), parseLocation(input), `${input} formats back to ${back}`);
  }
});

t.test('malformed layout locations are refused (exit 2)', async (t) => {
  const bad: Array<[string, RegExp]> = [
    ['oci-layout:', /directory is missing/],
    ['oci-layout::v1', /directory is missing/],
    [`oci-layout:@${D}`, /directory is missing/],
    ['oci-layout:/x:bad tag', /tag "bad tag"/],
    ['oci-layout:/x:.hidden', /tag ".hidden"/],
    ['oci-layout:/x:-v1', /tag "-v1"/],
    [`oci-layout:/x:${'a'.repeat(129)}`, /tag/],
    ['oci-layout:/x@sha256:abc', /invalid digest/],
    [`oci-layout:/x@sha256:${'A'.repeat(64)}`, /invalid digest/],
    [`oci-layout:/x@md5:${'a'.repeat(32)}`, /invalid digest/],
    ['oci-layout:/x\0y', /NUL/],
  ];
  for (const [input, message] of bad) {
    t.throws(() => parseLocation(input), InvalidReferenceError, input);
    t.throws(() => parseLocation(input), { message }, input);
    t.throws(() => parseLocation(input), { message: /^invalid location / });
  }
});

t.test('anything else is a registry reference', async (t) => {
  t.notOk(isLayoutLocation('localhost:5000/app:1'));
  t.ok(isLayoutLocation('oci-layout:x'));
  const loc: Location = parseLocation('localhost:5000/app:1');
  t.same(loc, {
    kind: 'registry',
    reference: { registry: 'localhost:5000', repository: 'app', tag: '1' },
  });
  t.equal(formatLocation(loc), 'localhost:5000/app:1');
  t.same(parseLocation('alpine'), {
    kind: 'registry',
    reference: { registry: 'docker.io', repository: 'library/alpine' },
  });
  // `oci:` is not an alias: `oci:5000/app` is a valid registry reference.
  t.same(parseLocation('oci:5000/app'), {
    kind: 'registry',
    reference: { registry: 'oci:5000', repository: 'app' },
  });
  t.throws(() => parseLocation('Bad/Name'), InvalidReferenceError);
});

t.test('formatLocation closes a path whose last component has ":"', async (t) => {
  t.equal(formatLocation({ kind: 'layout', path: '/mnt/a:b' }), 'oci-layout:/mnt/a:b:');
  t.equal(
    formatLocation({ kind: 'layout', path: '/mnt/a:b', tag: 'v1' }),
    'oci-layout:/mnt/a:b:v1',
  );
  t.equal(formatLocation({ kind: 'layout', path: '/mnt:x/a' }), 'oci-layout:/mnt:x/a');
  t.equal(formatLocation({ kind: 'layout', path: '/a', digest: D as never }), `oci-layout:/a@${D}`);
});
