import t from 'tap';
import { nextLink } from './link.js';

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
