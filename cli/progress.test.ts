// Progress with an injected clock: on a terminal the status line shows total, percent, rate
// and ETA; off one (CI logs) a plain info line every few seconds or every 10 %, whichever
// comes first, never two within a second.
import { Writable } from 'node:stream';
import t from 'tap';
import type { CopyEvent, Descriptor, Logger } from '../lib/index.js';
import { createProgress } from './progress.js';

const MiB = 1024 * 1024;
const blob = (n: number, size: number): Descriptor => ({
  mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
  digest: `sha256:${String(n).repeat(64).slice(0, 64)}` as Descriptor['digest'],
  size,
});

/** A fake stderr and logger that record what they got, and a clock the test moves. */
function harness(tty: boolean) {
  let written = '';
  const stderr = Object.assign(
    new Writable({
      write(chunk, _enc, done) {
        written += String(chunk);
        done();
      },
    }),
    { isTTY: tty },
  );
  const infos: string[] = [];
  const logger = {
    info: (_o: object, msg: string) => infos.push(msg),
    warn: (_o: object, msg: string) => infos.push(`warn ${msg}`),
    debug: () => {},
  } as unknown as Logger;
  let clock = 1_000_000;
  const progress = createProgress(stderr, logger, true, () => clock);
  return {
    progress,
    infos,
    stderr: () => written,
    advance: (ms: number) => {
      clock += ms;
    },
    send: (e: CopyEvent) => progress.onEvent(e),
  };
}

t.test('off a terminal: a line per 10 % step (at most one a second) with the facts', async (t) => {
  const h = harness(false);
  const layer = blob(1, 100 * MiB);
  h.send({ type: 'blob-start', descriptor: layer });
  // 10 MiB a second: each second is another 10 %.
  for (let s = 1; s <= 3; s++) {
    h.advance(1000);
    h.send({ type: 'blob-progress', descriptor: layer, bytes: s * 10 * MiB });
  }
  const lines = h.infos.filter((l) => l.startsWith('copying'));
  t.same(lines, [
    'copying: 10.0 MiB of 100.0 MiB (10%) at 10.0 MiB/s, ETA 9s',
    'copying: 20.0 MiB of 100.0 MiB (20%) at 10.0 MiB/s, ETA 8s',
    'copying: 30.0 MiB of 100.0 MiB (30%) at 10.0 MiB/s, ETA 7s',
  ]);
  t.equal(h.stderr(), '', 'no terminal drawing off a terminal');
});

t.test('off a terminal: fast 10 % steps are throttled to one line a second', async (t) => {
  const h = harness(false);
  const layer = blob(2, 100 * MiB);
  h.send({ type: 'blob-start', descriptor: layer });
  for (let i = 1; i <= 9; i++) {
    h.advance(100);
    h.send({ type: 'blob-progress', descriptor: layer, bytes: i * 10 * MiB });
  }
  t.equal(h.infos.filter((l) => l.startsWith('copying')).length, 0, 'under a second: none');
  h.advance(200);
  h.send({ type: 'blob-progress', descriptor: layer, bytes: 95 * MiB });
  t.same(
    h.infos.filter((l) => l.startsWith('copying')),
    ['copying: 95.0 MiB of 100.0 MiB (95%) at 86.4 MiB/s, ETA 0s'],
  );
});

t.test('off a terminal: a slow copy gets a line every 5 seconds', async (t) => {
  const h = harness(false);
  const layer = blob(3, 1000 * MiB);
  h.send({ type: 'blob-start', descriptor: layer });
  for (let s = 1; s <= 12; s++) {
    h.advance(1000);
    h.send({ type: 'blob-progress', descriptor: layer, bytes: s * MiB });
  }
  t.same(
    h.infos.filter((l) => l.startsWith('copying')),
    [
      'copying: 5.0 MiB of 1000.0 MiB (0%) at 1.0 MiB/s, ETA 16m35s',
      'copying: 10.0 MiB of 1000.0 MiB (1%) at 1.0 MiB/s, ETA 16m30s',
    ],
  );
});

t.test('skipped and mounted blobs leave the total; copied ones count whole', async (t) => {
  const h = harness(false);
  const a = blob(4, 10 * MiB);
  const b = blob(5, 30 * MiB);
  h.send({ type: 'blob-start', descriptor: a });
  h.send({ type: 'blob-start', descriptor: b });
  h.send({ type: 'blob', descriptor: b, action: 'mounted' });
  h.advance(5000);
  h.send({ type: 'blob-progress', descriptor: a, bytes: 5 * MiB });
  t.match(h.infos.at(-1), /^copying: 5\.0 MiB of 10\.0 MiB \(50%\)/);
  h.send({ type: 'blob', descriptor: a, action: 'copied' });
  t.ok(h.infos.includes('blob copied'), 'the per-blob line stays');
});

t.test('on a terminal: total, percent, rate and ETA, redrawn, erased at the end', async (t) => {
  const h = harness(true);
  const layer = blob(6, 100 * MiB);
  h.send({ type: 'blob-start', descriptor: layer });
  h.advance(2000);
  h.send({ type: 'blob-progress', descriptor: layer, bytes: 50 * MiB });
  t.match(
    h.stderr(),
    '\r\x1b[K50.0 MiB of 100.0 MiB (50%) at 25.0 MiB/s, ETA 2s · 0 blob(s) done, 1 in flight',
  );
  h.progress.done();
  t.ok(h.stderr().endsWith('\r\x1b[K'), 'erased');
  t.same(h.infos, [], 'no log lines on a terminal');
});

t.test('queued blobs make the total before they start (jobs limit the transfers)', async (t) => {
  const h = harness(false);
  const layers = [7, 8, 9].map((n) => blob(n, 10 * MiB));
  for (const l of layers) h.send({ type: 'blob-queued', descriptor: l });
  h.send({ type: 'blob-start', descriptor: layers[0]! });
  h.advance(5000);
  h.send({ type: 'blob-progress', descriptor: layers[0]!, bytes: 6 * MiB });
  t.match(h.infos.at(-1), /^copying: 6\.0 MiB of 30\.0 MiB \(20%\)/);
  // One found present at the destination: it leaves the total without starting.
  h.send({ type: 'blob', descriptor: layers[2]!, action: 'skipped' });
  h.advance(5000);
  h.send({ type: 'blob-progress', descriptor: layers[0]!, bytes: 8 * MiB });
  t.match(h.infos.at(-1), /^copying: 8\.0 MiB of 20\.0 MiB \(40%\)/);
});
