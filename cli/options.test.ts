import t from 'tap';
import { parseSize } from './options.js';

t.test('parseSize', async (t) => {
  const cases: Array<[string, number]> = [
    ['1048576', 1048576],
    ['512KiB', 512 * 1024],
    ['16MiB', 16 * 1024 ** 2],
    ['16m', 16 * 1024 ** 2],
    ['1GiB', 1024 ** 3],
  ];
  for (const [text, n] of cases) t.equal(parseSize(text, '--chunk-size'), n, text);
  for (const bad of ['0', '-1', '1.5MiB', 'lots', '16TB', '']) {
    t.throws(() => parseSize(bad, '--chunk-size'), { code: 'ERR_USAGE' }, bad);
  }
});
