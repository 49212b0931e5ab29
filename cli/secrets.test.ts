import t from 'tap';
import { MASK, SecretSet, variants } from './secrets.js';

t.test('variants: the forms a secret is echoed in', async (t) => {
  const v = variants('p@ss/w"rd+1');
  t.ok(v.includes('p@ss/w"rd+1'), 'raw');
  t.ok(v.includes('p@ss/w\\"rd+1'), 'JSON-escaped');
  t.ok(v.includes('p@ss\\/w\\"rd+1'), 'JSON-escaped with \\/');
  t.ok(v.includes('p%40ss%2Fw%22rd%2B1'), 'URL-encoded');
  t.ok(v.includes(Buffer.from('p@ss/w"rd+1').toString('base64')), 'base64');
  t.same(variants('abc'), [], 'too short to be a secret');
});

t.test('redact masks every form, longest first', async (t) => {
  const s = new SecretSet();
  t.equal(s.redact('nothing registered'), 'nothing registered');
  s.add('alice:s3cr3t/pw');
  s.add('s3cr3t/pw');
  s.add(undefined);
  s.add('ab');
  const basic = Buffer.from('alice:s3cr3t/pw').toString('base64');
  t.equal(s.redact(`Authorization: Basic ${basic}`), `Authorization: Basic ${MASK}`);
  t.equal(s.redact('password=s3cr3t%2Fpw&x=1'), `password=${MASK}&x=1`);
  t.equal(s.redact('{"p":"s3cr3t\\/pw"} s3cr3t/pw'), `{"p":"${MASK}"} ${MASK}`);
  t.equal(s.redact('user alice:s3cr3t/pw'), `user ${MASK}`, 'the pair, not the password inside it');
  t.equal(s.redact('ab is not a secret'), 'ab is not a secret');
});

t.test('redact keeps a JSON document valid', async (t) => {
  const s = new SecretSet();
  s.add('name1234');
  s.add('tail\\');
  const doc = JSON.stringify({ a: '\name1234', b: 'x tail\\', c: 'name1234' });
  const out = s.redact(doc);
  t.notMatch(out, 'name1234');
  t.notMatch(out, 'tail');
  t.doesNotThrow(() => JSON.parse(out), out);
});

t.test('addUrl registers a webhook URL, its path and query, not its origin', async (t) => {
  const s = new SecretSet();
  s.addUrl('https://hooks.example.com/services/T0/B0/XYZ?token=abcd1234');
  t.equal(
    s.redact('POST https://hooks.example.com/services/T0/B0/XYZ?token=abcd1234 failed'),
    `POST ${MASK} failed`,
  );
  t.equal(s.redact('no hook at \\/services\\/T0\\/B0\\/XYZ'), `no hook at ${MASK}`);
  t.equal(s.redact('origin https://hooks.example.com'), 'origin https://hooks.example.com');
  s.addUrl('not a url at all');
  t.equal(s.redact('x not a url at all'), `x ${MASK}`);
});

t.test('redactValue copies JSON-shaped values', async (t) => {
  const s = new SecretSet();
  t.same(s.redactValue({ a: 'tok-12345' }), { a: 'tok-12345' });
  s.add('tok-12345');
  const v = { a: 'x tok-12345', b: [1, 'tok-12345', null, { c: true }] };
  t.same(s.redactValue(v), { a: `x ${MASK}`, b: [1, MASK, null, { c: true }] });
  t.equal(v.a, 'x tok-12345', 'the original is left as it was');
});
