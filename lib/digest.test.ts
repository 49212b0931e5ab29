import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import t from 'tap';
import {
  digestOf,
  isDigest,
  parseDigest,
  SizedStream,
  VerifyingStream,
  verifyBytes,
} from './digest.js';

const data = Buffer.from('hello, registry');
const good = digestOf(data);

t.test('parseDigest accepts sha256 and sha512 only, exact lowercase hex', async (t) => {
  t.equal(parseDigest(good), good);
  t.ok(isDigest(digestOf(data, 'sha512')));
  for (const bad of [
    'sha256:abc',
    `sha256:${'A'.repeat(64)}`,
    `sha256:${'a'.repeat(63)}`,
    `sha256:${'a'.repeat(65)}`,
    `md5:${'a'.repeat(32)}`,
    'sha256:../../etc/passwd',
    `sha512:${'a'.repeat(64)}`,
    `SHA256:${'a'.repeat(64)}`,
    '',
  ]) {
    t.throws(() => parseDigest(bad), { code: 'ERR_INVALID_DIGEST' }, bad);
    t.notOk(isDigest(bad), bad);
  }
});

t.test('verifyBytes checks size and digest', async (t) => {
  t.doesNotThrow(() => verifyBytes(data, good, 'blob', data.length));
  t.throws(() => verifyBytes(data, good, 'blob', data.length + 1), { code: 'ERR_SIZE_MISMATCH' });
  t.throws(() => verifyBytes(Buffer.from('other'), good, 'blob'), { code: 'ERR_DIGEST_MISMATCH' });
});

async function run(
  chunks: Buffer[],
  size: number,
): Promise<{ out: Buffer; err?: Error & { code?: string } }> {
  const got: Buffer[] = [];
  const sink = new Writable({
    write(c, _e, cb) {
      got.push(c);
      cb();
    },
  });
  try {
    await pipeline(Readable.from(chunks), new VerifyingStream(good, size, 'blob'), sink);
    return { out: Buffer.concat(got) };
  } catch (err) {
    return { out: Buffer.concat(got), err: err as Error };
  }
}

t.test('VerifyingStream passes verified bytes through unchanged', async (t) => {
  const r = await run([data.subarray(0, 5), data.subarray(5)], data.length);
  t.equal(r.err, undefined);
  t.same(r.out, data);
});

t.test('VerifyingStream withholds the last chunk when the digest is wrong', async (t) => {
  const wrong = Buffer.from(data);
  wrong[wrong.length - 1] = 0x21;
  const r = await run([wrong.subarray(0, 5), wrong.subarray(5)], wrong.length);
  t.equal(r.err?.code, 'ERR_DIGEST_MISMATCH');
  t.ok(r.out.length < wrong.length, 'the consumer never saw the whole body');
});

t.test('VerifyingStream stops as soon as the size is exceeded', async (t) => {
  const r = await run([data, Buffer.from('extra')], data.length);
  t.equal(r.err?.code, 'ERR_SIZE_MISMATCH');
  const short = await run([data.subarray(0, 3)], data.length);
  t.equal(short.err?.code, 'ERR_SIZE_MISMATCH');
});

t.test('SizedStream passes exactly `size` bytes, holding nothing back', async (t) => {
  const through = async (chunks: Buffer[], size: number) => {
    const got: Buffer[] = [];
    const s = new SizedStream(size, 'range');
    s.on('data', (c: Buffer) => got.push(c));
    const err = await pipeline(Readable.from(chunks), s).then(
      () => undefined,
      (e: Error & { code?: string }) => e.code,
    );
    return { out: Buffer.concat(got), err };
  };
  t.same(await through([data.subarray(0, 5), data.subarray(5)], data.length), {
    out: data,
    err: undefined,
  });
  t.equal((await through([data, Buffer.from('x')], data.length)).err, 'ERR_SIZE_MISMATCH');
  t.equal((await through([data.subarray(0, 3)], data.length)).err, 'ERR_SIZE_MISMATCH');
});
