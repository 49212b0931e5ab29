import t from 'tap';
import { escapeText, formatBytes, shortDigest } from './format.js';
import { textLine } from './pino-logger.js';

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
  t.equal(shortDigest('not-a-digest'), 'not-a-digest', 'text that is not a digest is kept whole');
});

t.test('textLine', async (t) => {
  t.equal(
    textLine({ level: 30, time: 1, msg: 'blob copied', digest: 'sha256:x', size: 3 }),
    'info: blob copied digest=sha256:x size=3',
  );
  t.equal(textLine({ level: 40, msg: 'retry', err: { a: 1 } }), 'warn: retry err={"a":1}');
});

t.test('escapeText makes registry text inert on one line', async (t) => {
  const cases: Array<[string, string]> = [
    ['v1.2.3', 'v1.2.3'],
    ['a\nb', 'a\\nb'],
    ['x\r\n::error::pwned', 'x\\r\\n::error::pwned'],
    ['tab\there', 'tab\\there'],
    ['\x1b[31mred\x1b[0m', '\\x1b[31mred\\x1b[0m'],
    ['del\x7f c1\x9b2J', 'del\\u007f c1\\u009b2J'],
    ['line\u2028sep\u2029', 'line\\u2028sep\\u2029'],
    [
      'bidi \u202eevil\u202c \u2066x\u2069 \u200f',
      'bidi \\u202eevil\\u202c \\u2066x\\u2069 \\u200f',
    ],
    ['back\\slash é ü 日本', 'back\\slash é ü 日本'],
  ];
  for (const [input, want] of cases) t.equal(escapeText(input), want, want);
});
