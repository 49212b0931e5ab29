import t from 'tap';
import { limiter } from './limit.js';

t.test('limiter never runs more than n tasks at once and runs them all', async (t) => {
  const limit = limiter(3);
  let active = 0;
  let peak = 0;
  const results = await Promise.all(
    Array.from({ length: 20 }, (_, i) =>
      limit(async () => {
        active++;
        peak = Math.max(peak, active);
        await new Promise((r) => setTimeout(r, (i % 4) + 1));
        active--;
        return i;
      }),
    ),
  );
  t.equal(peak, 3);
  t.same(
    results,
    Array.from({ length: 20 }, (_, i) => i),
  );
});

t.test('a failing task frees its slot', async (t) => {
  const limit = limiter(1);
  await t.rejects(
    limit(async () => Promise.reject(new Error('boom'))),
    /boom/,
  );
  t.equal(await limit(async () => 'ok'), 'ok');
  t.throws(() => limiter(0), RangeError);
});
