import { Readable } from 'node:stream';
import t from 'tap';
import {
  armDeadline,
  DEFAULT_DEADLINE_MS,
  DEFAULT_MIN_RATE,
  deadlineMs,
  expectedBytes,
} from './deadline.js';

t.test('expectedBytes: Content-Length held to the cap; nothing without a cap', async (t) => {
  const cases: Array<[string | undefined, number | undefined, number]> = [
    ['1000', 4096, 1000],
    ['9999', 4096, 4096],
    [undefined, 4096, 4096],
    ['junk', 4096, 4096],
    ['-1', 4096, 4096],
    ['1000', undefined, 0],
    [undefined, undefined, 0],
  ];
  for (const [length, cap, want] of cases) {
    t.equal(expectedBytes(length, cap), want, `${length} capped at ${cap}`);
  }
});

t.test('deadlineMs: the floor plus the size at the minimum rate', async (t) => {
  const defaults = { deadline: DEFAULT_DEADLINE_MS, minRate: DEFAULT_MIN_RATE };
  t.equal(deadlineMs(0, defaults), 60_000, 'a body-less answer gets the floor');
  t.equal(deadlineMs(4 * 1024 * 1024, defaults), 124_000, 'a 4 MiB manifest');
  t.equal(deadlineMs(1024 ** 3, defaults), 60_000 + 16_384_000, 'a 1 GiB blob');
  t.equal(deadlineMs(1, { deadline: 10, minRate: 3 }), 344, 'rounded up');
});

t.test('armDeadline destroys a body that does not close in time, and only then', async (t) => {
  // The deadline's timer does not hold the process open; this one does, meanwhile.
  const alive = setTimeout(() => {}, 10_000);
  t.teardown(() => clearTimeout(alive));
  const stalled = new Readable({ read() {} });
  armDeadline(stalled, 5, () => Object.assign(new Error('late'), { code: 'ERR_DEADLINE' }));
  const err = await new Promise((resolve) => stalled.once('error', resolve));
  t.match(err, { code: 'ERR_DEADLINE' });

  let fired = false;
  const quick = Readable.from([Buffer.from('ok')]);
  armDeadline(quick, 5, () => {
    fired = true;
    return new Error('late');
  });
  for await (const _ of quick) {
    // read it all
  }
  await new Promise((r) => setTimeout(r, 20));
  t.notOk(fired, 'cleared when the body closed');
});
