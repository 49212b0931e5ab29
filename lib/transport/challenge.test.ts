import t from 'tap';
import {
  challengeScopes,
  isInsufficientScope,
  parseChallenges,
  pickChallenge,
} from './challenge.js';

t.test('parseChallenges table', async (t) => {
  const cases: Array<[string | string[] | undefined, unknown]> = [
    [undefined, []],
    ['', []],
    ['Basic realm="Registry Realm"', [{ scheme: 'basic', params: { realm: 'Registry Realm' } }]],
    [
      'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:samalba/my-app:pull,push"',
      [
        {
          scheme: 'bearer',
          params: {
            realm: 'https://auth.docker.io/token',
            service: 'registry.docker.io',
            scope: 'repository:samalba/my-app:pull,push',
          },
        },
      ],
    ],
    // Case-insensitive scheme and parameter names, spaces around "=" and ",".
    [
      'BEARER  Realm = "https://a/t" ,  Service=reg',
      [{ scheme: 'bearer', params: { realm: 'https://a/t', service: 'reg' } }],
    ],
    // Escapes and commas inside quotes.
    [
      'Bearer realm="https://a/t?x=1,y=2",error="insufficient_scope",error_description="say \\"hi\\", ok\\\\"',
      [
        {
          scheme: 'bearer',
          params: {
            realm: 'https://a/t?x=1,y=2',
            error: 'insufficient_scope',
            error_description: 'say "hi", ok\\',
          },
        },
      ],
    ],
    // Two challenges in one header.
    [
      'Basic realm="basic-realm", Bearer realm="https://t/token",service="s"',
      [
        { scheme: 'basic', params: { realm: 'basic-realm' } },
        { scheme: 'bearer', params: { realm: 'https://t/token', service: 's' } },
      ],
    ],
    // Repeated header.
    [
      ['Basic realm="x"', 'Bearer realm="https://t",scope="a b"'],
      [
        { scheme: 'basic', params: { realm: 'x' } },
        { scheme: 'bearer', params: { realm: 'https://t', scope: 'a b' } },
      ],
    ],
    // token68 form and a bare scheme.
    [
      'Negotiate abc+/==, Bearer',
      [
        { scheme: 'negotiate', params: {}, token68: 'abc+/==' },
        { scheme: 'bearer', params: {} },
      ],
    ],
    // Scope names with host:port and several scopes.
    [
      'Bearer realm="http://127.0.0.1:5001/token",scope="repository:localhost:5000/a:pull repository:b:push"',
      [
        {
          scheme: 'bearer',
          params: {
            realm: 'http://127.0.0.1:5001/token',
            scope: 'repository:localhost:5000/a:pull repository:b:push',
          },
        },
      ],
    ],
    // Unterminated quote: what can be read is kept.
    ['Basic realm="oops', [{ scheme: 'basic', params: { realm: 'oops' } }]],
    // Garbage before the scheme is skipped.
    ['=x, "q", Basic realm=r', [{ scheme: 'basic', params: { realm: 'r' } }]],
  ];
  for (const [input, expected] of cases) {
    t.same(parseChallenges(input), expected, JSON.stringify(input));
  }
});

t.test('pickChallenge prefers Bearer with a realm', async (t) => {
  const both = parseChallenges('Basic realm="b", Bearer realm="https://t"');
  t.equal(pickChallenge(both)?.scheme, 'bearer');
  t.equal(pickChallenge(parseChallenges('Basic realm="b", Bearer'))?.scheme, 'basic');
  t.equal(pickChallenge(parseChallenges('Negotiate abc')), undefined);
});

t.test('challengeScopes and isInsufficientScope', async (t) => {
  const [c] = parseChallenges(
    'Bearer realm="https://t",error="insufficient_scope",scope="repository:a:pull  repository:b:pull,push"',
  );
  t.same(challengeScopes(c!), ['repository:a:pull', 'repository:b:pull,push']);
  t.equal(isInsufficientScope(c!), true);
  const [d] = parseChallenges('Bearer realm="https://t"');
  t.same(challengeScopes(d!), []);
  t.equal(isInsufficientScope(d!), false);
});
