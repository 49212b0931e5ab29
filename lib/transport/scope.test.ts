import t from 'tap';
import { normalizeScopes, repositoryScope, scopesCover } from './scope.js';

t.test('normalizeScopes', async (t) => {
  const cases: Array<[string[], string[]]> = [
    [[], []],
    [['repository:a:push,pull'], ['repository:a:pull,push']],
    [
      ['repository:b:pull', 'repository:a:pull', 'repository:a:push', 'repository:a:pull'],
      ['repository:a:pull,push', 'repository:b:pull'],
    ],
    // host:port inside the name is kept whole.
    [
      ['repository:localhost:5000/app:pull', 'repository:localhost:5000/app:push'],
      ['repository:localhost:5000/app:pull,push'],
    ],
    [['registry:catalog:*', ' '], ['registry:catalog:*']],
    [['odd'], ['odd']],
  ];
  for (const [input, want] of cases) t.same(normalizeScopes(input), want, input.join(' '));
});

t.test('repositoryScope / scopesCover', async (t) => {
  t.equal(repositoryScope('a/b', ['pull', 'push']), 'repository:a/b:pull,push');
  t.ok(scopesCover(['repository:a:pull,push'], ['repository:a:pull']));
  t.notOk(scopesCover(['repository:a:pull'], ['repository:a:push']));
  t.notOk(scopesCover(['repository:a:pull'], ['repository:b:pull']));
});
