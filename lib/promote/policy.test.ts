import t from 'tap';
import type { Digest } from '../digest.js';
import {
  deriveSemverTags,
  floatingOwner,
  higherRelease,
  isHighestRelease,
  isImmutableTag,
  parseVersionTag,
  planTags,
  type TagPlanInput,
} from './policy.js';

const D = (c: string) => `sha256:${c.repeat(64)}` as Digest;
const NEW = D('n');

t.test('parseVersionTag and isImmutableTag', async (t) => {
  const cases: Array<[string, boolean, string?]> = [
    ['1.2.3', true, '1.2.3'],
    ['v1.2.3', true, '1.2.3'],
    ['1.2.3-rc.1', true, '1.2.3-rc.1'],
    ['0.0.1', true, '0.0.1'],
    ['1.2', false],
    ['1', false],
    ['latest', false],
    ['01.2.3', false],
    ['1.2.3.4', false],
    ['v1', false],
    ['stable', false],
  ];
  for (const [tag, isVersion, version] of cases) {
    t.equal(parseVersionTag(tag)?.version.version, version, tag);
    t.equal(isImmutableTag(tag), isVersion, `${tag} immutable`);
  }
  t.ok(isImmutableTag('sha-0123abc'));
});

t.test('deriveSemverTags', async (t) => {
  const d = deriveSemverTags('1.4.9');
  t.equal(d.full.tag, '1.4.9');
  t.same(
    d.floating.map((f) => f.tag),
    ['1.4', '1', 'latest'],
  );
  t.same(
    deriveSemverTags('v2.0.1').floating.map((f) => f.tag),
    ['v2.0', 'v2', 'latest'],
  );
  t.same(deriveSemverTags('1.5.0-rc.1').floating, [], 'prereleases move no floating tag');
  t.throws(() => deriveSemverTags('main'), { code: 'ERR_USAGE', message: /version tag/ });
});

t.test('isHighestRelease per line', async (t) => {
  const existing = ['1.4.8', '1.5.0', '2.0.0-rc.1', 'latest', '1.5', 'v0.9.0'];
  const v = deriveSemverTags('1.4.9').full.version;
  t.equal(isHighestRelease(v, 'minor', existing), true, '1.4.9 heads 1.4');
  t.equal(isHighestRelease(v, 'major', existing), false, '1.5.0 heads 1');
  t.equal(isHighestRelease(v, 'all', existing), false);
  const v2 = deriveSemverTags('1.6.0').full.version;
  t.equal(isHighestRelease(v2, 'all', existing), true, 'a prerelease 2.0.0-rc.1 does not count');
});

t.test('higherRelease finds the highest release above a version in its line', async (t) => {
  const present = ['5.1.0', '5.2.0', '5.3.0-rc.1', 'v5.2.1', '6.0.0', 'latest', '5'];
  const v = deriveSemverTags('5.1.0').full.version;
  t.equal(higherRelease(v, 'minor', present), undefined, 'nothing above 5.1.0 in 5.1');
  t.equal(higherRelease(v, 'major', present)?.tag, 'v5.2.1', 'either prefix counts');
  t.equal(higherRelease(v, 'all', present)?.tag, '6.0.0');
  t.equal(higherRelease(deriveSemverTags('6.0.0').full.version, 'all', present), undefined);
});

t.test('floatingOwner: where a floating tag belongs once racers are visible', async (t) => {
  const cases: Array<[string, string, 'minor' | 'major' | 'all', string[], object]> = [
    ['5.1.0', 'latest', 'all', ['5.1.0'], { versionTag: '5.1.0' }],
    ['5.1.0', 'latest', 'all', ['5.1.0', '5.2.0'], { versionTag: '5.2.0' }],
    ['5.1.0', '5', 'major', ['5.1.0', '5.2.0', '6.0.0'], { versionTag: '5.2.0' }],
    ['5.1.0', '5.1', 'minor', ['5.1.0', '5.2.0'], { versionTag: '5.1.0' }],
    ['5.2.0', 'latest', 'all', ['5.1.0', '5.2.0'], { versionTag: '5.2.0' }],
    // a racer's prerelease never takes a floating tag
    ['5.1.0', 'latest', 'all', ['5.1.0', '5.2.0-rc.1'], { versionTag: '5.1.0' }],
    // the same version under the other prefix is not higher
    ['5.1.0', 'latest', 'all', ['5.1.0', 'v5.1.0'], { versionTag: '5.1.0' }],
    // v5.2.0 derives latest but not 5: tag 5 goes back where it was
    ['5.1.0', 'latest', 'all', ['5.1.0', 'v5.2.0'], { versionTag: 'v5.2.0' }],
    ['5.1.0', '5', 'major', ['5.1.0', 'v5.2.0'], { restore: true, higher: 'v5.2.0' }],
  ];
  for (const [own, tag, line, present, want] of cases) {
    t.same(floatingOwner(own, { tag, line }, present), want, `${own} ${tag} among ${present}`);
  }
});

const plan = (over: Partial<TagPlanInput>) =>
  planTags({
    digest: NEW,
    tags: [],
    current: new Map(),
    existing: [],
    allowOverwrite: false,
    ...over,
  }).map((d) => `${d.tag}:${d.action}`);

t.test('planTags: first release creates every tag', async (t) => {
  t.same(plan({ semverFrom: '1.0.0', tags: ['1.0.0'] }), [
    '1.0.0:created',
    '1.0:created',
    '1:created',
    'latest:created',
  ]);
});

t.test('planTags: a hotfix after a newer release moves only its own line', async (t) => {
  const current = new Map([
    ['1.4', D('a')],
    ['1', D('b')],
    ['latest', D('b')],
  ]);
  t.same(
    plan({ semverFrom: '1.4.9', current, existing: ['1.4.8', '1.5.0', '1.4', '1', 'latest'] }),
    ['1.4.9:created', '1.4:moved', '1:unchanged', 'latest:unchanged'],
  );
});

t.test('planTags: re-promoting the same digest is a no-op', async (t) => {
  const current = new Map(['1.0.0', '1.0', '1', 'latest'].map((tag) => [tag, NEW] as const));
  t.same(plan({ semverFrom: '1.0.0', current, existing: [...current.keys()] }), [
    '1.0.0:unchanged',
    '1.0:unchanged',
    '1:unchanged',
    'latest:unchanged',
  ]);
});

t.test('planTags: immutable tags are refused unless overwriting is allowed', async (t) => {
  const current = new Map([
    ['1.0.0', D('o')],
    ['sha-abc', D('o')],
    ['stable', D('o')],
  ]);
  t.same(plan({ tags: ['1.0.0', 'sha-abc', 'stable'], current }), [
    '1.0.0:refused',
    'sha-abc:refused',
    'stable:moved',
  ]);
  t.same(plan({ tags: ['1.0.0', 'sha-abc'], current, allowOverwrite: true }), [
    '1.0.0:moved',
    'sha-abc:moved',
  ]);
  const refused = planTags({
    digest: NEW,
    tags: ['1.0.0'],
    current,
    existing: [],
    allowOverwrite: false,
  })[0]!;
  t.match(refused.reason, /immutable.*--allow-overwrite/);
  t.equal(refused.previousDigest, D('o'));
});

t.test('planTags: a prerelease writes only itself; duplicates are planned once', async (t) => {
  t.same(plan({ semverFrom: '2.0.0-rc.1', tags: ['2.0.0-rc.1', 'candidate', 'candidate'] }), [
    '2.0.0-rc.1:created',
    'candidate:created',
  ]);
});
