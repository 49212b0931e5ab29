import { Writable } from 'node:stream';
import t from 'tap';
import { messageAnnotation } from './github-actions.js';
import { type GuardOptions, guardIo, guardText } from './output-guard.js';
import { MASK, SecretSet } from './secrets.js';

const opts = (over: Partial<GuardOptions> = {}): GuardOptions => ({
  secrets: new SecretSet(),
  commands: true,
  progress: false,
  ...over,
});

t.test('a line the tool did not build cannot start a workflow command', async (t) => {
  const g = (s: string) => guardText(s, { atLineStart: true }, opts());
  t.equal(g('::error::x\n'), '\\u003a:error::x\n');
  t.equal(g('  ::add-mask::x\n'), '  \\u003a:add-mask::x\n', 'the runner trims the line');
  t.equal(g('ok\n::stop-commands::t\n'), 'ok\n\\u003a:stop-commands::t\n');
  t.equal(g('a\r::error::x\n'), 'a\\r::error::x\n', 'CR is no line break once escaped');
  t.equal(g('x ##[error]y\n'), 'x ##\\u005berror]y\n', '##[ anywhere');
  t.equal(g('a: b :: c\n'), 'a: b :: c\n', 'colons elsewhere are text');
});

t.test('the tool’s own annotations pass, once', async (t) => {
  const line = messageAnnotation('warning', 'promote', 'careful');
  const state = { atLineStart: true };
  t.equal(guardText(`${line}\n`, state, opts()), `${line}\n`);
  t.equal(guardText(`${line}\n`, state, opts()), `\\u003a${line.slice(1)}\n`, 'not twice');
  const again = messageAnnotation('warning', 'promote', 'careful');
  t.equal(
    guardText(`${again}\n`, state, opts({ commands: false })),
    `\\u003a${again.slice(1)}\n`,
    'never on stdout',
  );
});

t.test('control characters are escaped; a progress line keeps its erase', async (t) => {
  const state = { atLineStart: true };
  t.equal(guardText('\x1b[31mred\x9b\u202e\n', state, opts()), '\\x1b[31mred\\u009b\\u202e\n');
  t.equal(
    guardText('\r\x1b[K3 blob(s) done \x1b[2J', state, opts({ progress: true })),
    '\r\x1b[K3 blob(s) done \\x1b[2J',
  );
  t.equal(
    guardText('\r\x1b[K::error::x\n', state, opts({ progress: true })),
    '\r\x1b[K\\u003a:error::x\n',
    'after the erase is a line start',
  );
  t.equal(guardText('\r\x1b[Kx', state, opts()), '\\r\\x1b[Kx', 'no erase elsewhere');
});

t.test('a write that continues a line is not a line start', async (t) => {
  const state = { atLineStart: true };
  t.equal(guardText('key=', state, opts()), 'key=');
  t.equal(guardText('::value\n', state, opts()), '::value\n');
  t.equal(guardText('::error::x\n', state, opts()), '\\u003a:error::x\n');
});

t.test('secrets are masked; JSON stays JSON', async (t) => {
  const secrets = new SecretSet();
  secrets.add('hunter2-password');
  const doc = `${JSON.stringify({ m: 'Basic x hunter2-password \x85 ##[e] \u2028' }, null, 2)}\n`;
  const out = guardText(doc, { atLineStart: true }, opts({ secrets, commands: false }));
  t.same(JSON.parse(out), { m: `Basic x ${MASK} \x85 ##[e] \u2028` }, 'same document, masked');
  t.notOk(/[\x85\u2028]/.test(out), 'no raw C1 or U+2028 in the text');
});

t.test('guardIo: bytes on stdout are data, text is guarded', async (t) => {
  const got = { out: [] as Buffer[], err: [] as string[] };
  const sink = (push: (c: Buffer) => void) =>
    new Writable({
      write(c: Buffer, _e, done) {
        push(Buffer.from(c));
        done();
      },
    });
  const io = guardIo({
    env: {},
    stdin: process.stdin,
    stdout: sink((c) => got.out.push(c)),
    stderr: sink((c) => got.err.push(c.toString('utf8'))),
  });
  t.equal(guardIo(io), io, 'guarded once');
  io.secrets.add('s3cr3t-value');
  const raw = Buffer.from('::error::\x1b s3cr3t-value');
  io.stdout.write(raw);
  io.stdout.write('::error::x\n');
  io.stderr.write(Buffer.from('s3cr3t-value\x1b\n'));
  t.same(Buffer.concat(got.out.slice(0, 1)), raw, 'raw bytes untouched');
  t.equal(got.out[1]?.toString(), '\\u003a:error::x\n');
  t.same(got.err, [`${MASK}\\x1b\n`]);
});
