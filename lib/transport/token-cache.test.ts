import t from 'tap';
import { TokenCache, tokenCacheKey } from './token-cache.js';

t.test('tokenCacheKey normalises scope order and actions', async (t) => {
  t.equal(
    tokenCacheKey('r', 'https://t', 's', ['repository:b:pull', 'repository:a:push,pull']),
    tokenCacheKey('r', 'https://t', 's', ['repository:a:pull,push', 'repository:b:pull']),
  );
  t.not(tokenCacheKey('r1', 'https://t', 's', []), tokenCacheKey('r2', 'https://t', 's', []));
  t.not(tokenCacheKey('r', 'https://t', 's1', []), tokenCacheKey('r', 'https://t', 's2', []));
  t.not(
    tokenCacheKey('r', 'https://t', 's', ['repository:a:pull']),
    tokenCacheKey('r', 'https://t', 's', ['repository:a:pull,push']),
  );
});

t.test('expiry from expires_in, default 60 s, refreshed early', async (t) => {
  let now = 1_000_000;
  const c = new TokenCache({ now: () => now });
  c.set('a', { token: 'A', expiresIn: 300 });
  c.set('b', { token: 'B' });
  now += 269_000;
  t.equal(c.get('a'), 'A', 'fresh before lifetime - 30 s');
  now += 1_000;
  t.equal(c.get('a'), undefined, 'dropped 30 s early');
  now = 1_000_000 + 53_999;
  t.equal(c.get('b'), 'B');
  now += 1;
  t.equal(c.get('b'), undefined, 'default 60 s lifetime, 6 s early');
  c.set('z', { token: 'Z', expiresIn: 0 });
  t.equal(c.get('z'), 'Z', 'expires_in 0 means the default');
});

t.test('concurrent fetches share one promise', async (t) => {
  const c = new TokenCache();
  let fetches = 0;
  let release: () => void = () => {};
  const gate = new Promise<void>((r) => {
    release = r;
  });
  const fetch = async () => {
    fetches++;
    await gate;
    return { token: 'T', expiresIn: 60 };
  };
  const all = Promise.all([
    c.getOrFetch('k', fetch),
    c.getOrFetch('k', fetch),
    c.getOrFetch('k', fetch),
  ]);
  release();
  t.same(await all, ['T', 'T', 'T']);
  t.equal(fetches, 1);
  t.equal(await c.getOrFetch('k', fetch), 'T');
  t.equal(fetches, 1, 'cached afterwards');
});

t.test('a failed fetch is forgotten', async (t) => {
  const c = new TokenCache();
  await t.rejects(
    c.getOrFetch('k', async () => Promise.reject(new Error('boom'))),
    { message: 'boom' },
  );
  t.equal(await c.getOrFetch('k', async () => ({ token: 'T2' })), 'T2');
});

t.test('invalidate only drops the token it was told about', async (t) => {
  const c = new TokenCache();
  c.set('k', { token: 'new' });
  c.invalidate('k', 'old');
  t.equal(c.get('k'), 'new');
  c.invalidate('k', 'new');
  t.equal(c.get('k'), undefined);
  c.set('k', { token: 'x' });
  c.invalidate('k');
  t.equal(c.get('k'), undefined);
  c.set('k', { token: 'y' });
  c.clear();
  t.equal(c.get('k'), undefined);
});
