import t from 'tap';
import { provenanceFromEnv } from './provenance.js';

const gh = {
  GITHUB_ACTOR: 'alice',
  GITHUB_SERVER_URL: 'https://github.com',
  GITHUB_REPOSITORY: 'octo/app',
  GITHUB_RUN_ID: '123456',
  GITHUB_RUN_ATTEMPT: '1',
};
const run = 'https://github.com/octo/app/actions/runs/123456';

const cases: [string, Record<string, string | undefined>, object][] = [
  ['nothing known', {}, {}],
  ['a GitHub Actions run, first attempt', gh, { actor: 'alice', runUrl: run }],
  [
    'a re-run links to its attempt',
    { ...gh, GITHUB_RUN_ATTEMPT: '3' },
    { actor: 'alice', runUrl: `${run}/attempts/3` },
  ],
  [
    'no attempt variable',
    { ...gh, GITHUB_RUN_ATTEMPT: undefined },
    { actor: 'alice', runUrl: run },
  ],
  [
    'a non-numeric attempt is ignored',
    { ...gh, GITHUB_RUN_ATTEMPT: 'x' },
    { actor: 'alice', runUrl: run },
  ],
  [
    'GitHub Enterprise Server, trailing slash',
    { ...gh, GITHUB_SERVER_URL: 'https://ghe.example.com/' },
    { actor: 'alice', runUrl: 'https://ghe.example.com/octo/app/actions/runs/123456' },
  ],
  [
    'no server URL: github.com',
    { ...gh, GITHUB_SERVER_URL: undefined },
    { actor: 'alice', runUrl: run },
  ],
  ['no run id: no run URL', { ...gh, GITHUB_RUN_ID: undefined }, { actor: 'alice' }],
  ['no repository: no run URL', { ...gh, GITHUB_REPOSITORY: '' }, { actor: 'alice' }],
  ['a run id that is not a number', { ...gh, GITHUB_RUN_ID: '12/../x' }, { actor: 'alice' }],
  [
    'a repository that is not owner/name',
    { ...gh, GITHUB_REPOSITORY: 'a/b/c' },
    { actor: 'alice' },
  ],
  [
    'a server URL that is not http(s)',
    { ...gh, GITHUB_SERVER_URL: 'javascript:x' },
    { actor: 'alice' },
  ],
  ['GITHUB_ACTOR wins over USER', { GITHUB_ACTOR: 'alice', USER: 'bob' }, { actor: 'alice' }],
  ['USER outside GitHub', { USER: 'bob', LOGNAME: 'carol' }, { actor: 'bob' }],
  ['LOGNAME when USER is unset', { LOGNAME: 'carol' }, { actor: 'carol' }],
  [
    'blank values count as unset',
    { GITHUB_ACTOR: '  ', USER: '', LOGNAME: 'carol' },
    { actor: 'carol' },
  ],
  ['values are trimmed', { USER: ' dave\n' }, { actor: 'dave' }],
];

for (const [name, env, want] of cases) {
  t.strictSame(provenanceFromEnv(env), want, name);
}

t.test('undefined fields are left out, not set to undefined (clean JSON)', async (t) => {
  t.strictSame(Object.keys(provenanceFromEnv({ USER: 'bob' })), ['actor']);
  t.equal(JSON.stringify(provenanceFromEnv({})), '{}');
});

t.test('the environment object is not modified', async (t) => {
  const env = { ...gh };
  provenanceFromEnv(env);
  t.strictSame(env, gh);
});
