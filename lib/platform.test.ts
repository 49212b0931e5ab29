import t from 'tap';
import { formatPlatform, parsePlatform, platformMatches } from './platform.js';

t.test('parsePlatform', async (t) => {
  t.same(parsePlatform('linux/amd64'), { os: 'linux', architecture: 'amd64' });
  t.same(parsePlatform('linux/arm64/v8'), { os: 'linux', architecture: 'arm64', variant: 'v8' });
  for (const bad of [
    'linux',
    'linux/',
    '/amd64',
    'linux/amd64/v8/x',
    'Linux/AMD64',
    'linux/am d64',
  ]) {
    t.throws(() => parsePlatform(bad), { code: 'ERR_USAGE' }, bad);
  }
  t.equal(formatPlatform({ os: 'linux', architecture: 'arm', variant: 'v7' }), 'linux/arm/v7');
});

t.test('platformMatches', async (t) => {
  const cases: Array<[string | undefined, string, boolean]> = [
    ['linux/amd64', 'linux/amd64', true],
    ['linux/arm64/v8', 'linux/arm64', true],
    ['linux/arm64/v8', 'linux/arm64/v8', true],
    ['linux/arm/v6', 'linux/arm/v7', false],
    ['linux/amd64', 'windows/amd64', false],
    [undefined, 'linux/amd64', false],
  ];
  for (const [have, want, expected] of cases) {
    t.equal(
      platformMatches(have ? parsePlatform(have) : undefined, parsePlatform(want)),
      expected,
      `${have} ~ ${want}`,
    );
  }
});
