import t from 'tap';
import { RegistryError } from '../errors.js';
import { parseContentRange, refusesMonolithic } from './blobs.js';
import { chunkSizeFor, parseMinChunkLength, parseUploadRange } from './uploads.js';

t.test('parseUploadRange: `0-<end>` inclusive, as bytes held', async (t) => {
  const cases: Array<[string | undefined, number | undefined]> = [
    ['0-9', 10],
    ['0-0', 0], // distribution says 0-0 for an empty upload (and for one byte): read as empty
    ['bytes=0-99', 100],
    [' 0-1048575 ', 1048576],
    ['5-9', undefined], // not from 0: not an upload range
    ['0-', undefined],
    ['0-99999999999999999', undefined],
    ['', undefined],
    [undefined, undefined],
  ];
  for (const [v, want] of cases) t.equal(parseUploadRange(v), want, JSON.stringify(v));
});

t.test('parseMinChunkLength: a positive safe integer, else ignored', async (t) => {
  const cases: Array<[string | undefined, number | undefined]> = [
    ['4294967296', 4294967296],
    ['1', 1],
    ['0', undefined],
    ['-1', undefined],
    ['1e9', undefined],
    ['lots', undefined],
    ['99999999999999999999', undefined],
    [undefined, undefined],
  ];
  for (const [v, want] of cases) t.equal(parseMinChunkLength(v), want, JSON.stringify(v));
});

t.test('chunkSizeFor: the requested size, raised to the registry minimum', async (t) => {
  t.equal(chunkSizeFor(10, 16), 16);
  t.equal(chunkSizeFor(10, 4), 10);
  t.equal(chunkSizeFor(10), 10);
  t.equal(chunkSizeFor(10, 2 ** 32), 2 ** 32, 'a huge minimum is honoured (chunks stream)');
  t.equal(chunkSizeFor(0), 16 * 1024 * 1024, 'nonsense falls back to the default');
  t.equal(chunkSizeFor(Number.NaN), 16 * 1024 * 1024);
});

t.test('parseContentRange: `bytes <start>-<end>/<total|*>`', async (t) => {
  t.same(parseContentRange('bytes 10-29/30'), { start: 10, end: 29, total: 30 });
  t.same(parseContentRange('bytes 0-0/*'), { start: 0, end: 0, total: undefined });
  for (const bad of ['10-29/30', 'bytes 29-10/30', 'bytes=10-29/30', 'bytes 10-/30', undefined]) {
    t.equal(parseContentRange(bad), undefined, String(bad));
  }
});

t.test('refusesMonolithic: 413, or 400 SIZE_INVALID / BLOB_UPLOAD_INVALID only', async (t) => {
  const err = (status: number, code?: string) =>
    new RegistryError({
      status,
      method: 'PUT',
      url: 'http://r/v2/a/blobs/uploads/u',
      ...(code && { errors: [{ code }] }),
    });
  t.ok(refusesMonolithic(err(413)));
  t.ok(refusesMonolithic(err(400, 'SIZE_INVALID')));
  t.ok(refusesMonolithic(err(400, 'BLOB_UPLOAD_INVALID')));
  t.notOk(refusesMonolithic(err(400, 'DIGEST_INVALID')), 'bad bytes are not a size problem');
  t.notOk(refusesMonolithic(err(400)));
  t.notOk(refusesMonolithic(err(503)));
  t.notOk(refusesMonolithic(new Error('socket hang up')));
});
