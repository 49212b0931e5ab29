import t from 'tap';
import { formatBytes, shortDigest } from './format.js';
import { textLine } from './logger.js';

t.test('formatBytes', async (t) => {
  const cases: Array<[number, string]> = [
    [0, '0 B'],
    [1023, '1023 B'],
    [1536, '1.5 KiB'],
    [512 * 1024 * 1024, '512.0 MiB'],
    [3 * 1024 ** 3, '3.0 GiB'],
  ];
  for (const [n, s] of cases) t.equal(formatBytes(n), s);
});

t.test('shortDigest', async (t) => {
  t.equal(shortDigest(`sha256:${'ab'.repeat(32)}`), 'sha256:abababababab');
});

t.test('textLine', async (t) => {
  t.equal(
    textLine({ level: 30, time: 1, msg: 'blob copied', digest: 'sha256:x', size: 3 }),
    'info: blob copied digest=sha256:x size=3',
  );
  t.equal(textLine({ level: 40, msg: 'retry', err: { a: 1 } }), 'warn: retry err={"a":1}');
});
