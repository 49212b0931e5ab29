import t from 'tap';
import { nextLink, Pager } from './link.js';

const base = 'https://r.example/v2/app/tags/list?n=2';

t.test('nextLink', async (t) => {
  t.equal(nextLink(undefined, base), undefined);
  t.equal(
    nextLink('</v2/app/tags/list?n=2&last=b>; rel="next"', base),
    'https://r.example/v2/app/tags/list?n=2&last=b',
  );
  t.equal(
    nextLink('<https://r.example/p?x=1>; rel="prev", <https://r.example/n?x=2>; rel=next', base),
    'https://r.example/n?x=2',
  );
  t.equal(nextLink('</a>; rel="prev"', base), undefined);
  t.throws(() => nextLink('<https://evil.example/v2/x>; rel="next"', base), {
    code: 'ERR_PROTOCOL',
  });
  t.throws(() => nextLink('<http://r.example/v2/x>; rel="next"', base), { code: 'ERR_PROTOCOL' });
});

t.test('Pager: a next link to a page already read is a loop', async (t) => {
  const limits = { maxPages: 10, maxEntries: 100, maxPageBytes: 1024 };
  const first = '/v2/app/tags/list?n=2';
  const p = new Pager('tag list', limits);
  t.equal(p.next(first, base, `<${first}&last=b>; rel="next"`), `${base}&last=b`);
  t.throws(() => p.next(`${base}&last=b`, `${base}&last=b`, `<${first}>; rel="next"`), {
    code: 'ERR_PROTOCOL',
    message: /tag list: .*page already read \(https:\/\/r\.example\/v2\/app\/tags\/list\?n=2\)/,
  });
  t.throws(
    () => new Pager('x', limits).next(first, base, `<${first}#again>; rel="next"`),
    { message: /page already read/ },
    'a fragment does not make another page',
  );
  // A redirect: the page that answered counts as read too.
  const moved = 'https://r.example/v2/app/tags/list?n=2&moved=1';
  t.throws(() => new Pager('x', limits).next(first, moved, `<${moved}>; rel="next"`), {
    message: /page already read/,
  });
  t.equal(new Pager('x', limits).next(first, base, undefined), undefined, 'last page');
});

t.test('Pager: page and entry caps', async (t) => {
  const p = new Pager('referrers', { maxPages: 2, maxEntries: 5, maxPageBytes: 1024 });
  t.equal(p.next('/a', base, '</b>; rel="next"'), 'https://r.example/b');
  t.throws(() => p.next('/b', 'https://r.example/b', '</c>; rel="next"'), {
    code: 'ERR_PROTOCOL',
    message: /referrers: more than 2 pages/,
  });
  const q = new Pager('tags', { maxPages: 2, maxEntries: 5, maxPageBytes: 1024 });
  q.count(5);
  t.throws(() => q.count(1), { code: 'ERR_PROTOCOL', message: /tags: more than 5 entries/ });
});
