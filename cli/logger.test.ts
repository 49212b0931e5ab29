import { PassThrough } from 'node:stream';
import t from 'tap';
import { createLogger } from './logger.js';
import * as real from './pino-logger.js';

const sink = () => {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (d: Buffer) => {
    text += d.toString('utf8');
  });
  return { stream, text: () => text };
};

t.test('a line below the level never loads pino', async (t) => {
  let loads = 0;
  const err = sink();
  const log = createLogger(err.stream, 'error', 'text', async () => {
    loads++;
    return real;
  });
  log.info({}, 'progress');
  log.warn({}, 'retrying');
  await log.close();
  t.equal(loads, 0, 'not loaded');
  t.equal(err.text(), '');
});

t.test(
  'lines logged while pino loads come out in order, with the time they were logged at',
  async (t) => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let loads = 0;
    const err = sink();
    const log = createLogger(err.stream, 'info', 'json', async () => {
      loads++;
      await gate;
      return real;
    });
    const before = Date.now();
    log.info({ n: 1 }, 'first');
    log.debug({ n: 0 }, 'below the level');
    await new Promise((resolve) => setTimeout(resolve, 30));
    log.warn({ n: 2 }, 'second');
    const logged = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 30));
    t.equal(err.text(), '', 'nothing written before pino is there');
    release();
    await log.close();
    log.error({ n: 3 }, 'third, once loaded');
    t.equal(loads, 1, 'loaded once');
    const lines = err
      .text()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    t.same(
      lines.map((l) => [l.msg, l.n]),
      [
        ['first', 1],
        ['second', 2],
        ['third, once loaded', 3],
      ],
    );
    t.ok(lines[0].time >= before && lines[0].time < lines[1].time, 'first stamped when logged');
    t.ok(lines[1].time <= logged, 'second stamped when logged, not when written');
  },
);

t.test('text lines, and a logger that cannot load fails close() only', async (t) => {
  const err = sink();
  const log = createLogger(err.stream, 'info', 'text');
  log.info({ digest: 'sha256:ab' }, 'blob copied');
  await log.close();
  t.equal(err.text(), 'info: blob copied digest=sha256:ab\n');

  const broken = createLogger(sink().stream, 'info', 'text', () =>
    Promise.reject(new Error('no pino')),
  );
  broken.warn({}, 'lost');
  await t.rejects(broken.close(), /no pino/);
});
