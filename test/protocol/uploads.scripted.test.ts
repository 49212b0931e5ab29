/**
 * Scripted-HTTP tests of blob uploads (lib/registry/uploads.ts and RegistryBlobs.uploadFrom):
 * the chunked protocol to the letter (Content-Range without `bytes `, the latest Location,
 * OCI-Chunk-Min-Length), the switch to chunks when a monolithic PUT is refused, resuming
 * a broken chunk from the registry's reported range (PATCH reset, 416, ECR's 201, a range
 * off the known boundaries, a lost session), ranged re-reads of the source (206 checked,
 * 200 = hash again from zero), and nothing committed unverified.
 */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import t, { type Test } from 'tap';
import { type Digest, VerifyingStream } from '../../lib/digest.js';
import type { Descriptor } from '../../lib/manifest.js';
import { parseReference } from '../../lib/reference.js';
import { createClient } from '../../lib/registry/client.js';
import type { Repository } from '../../lib/registry/repository.js';
import type { BlobSource, ResumeInfo, UploadOptions } from '../../lib/registry/uploads.js';
import {
  type RecordedRequest,
  type ScriptStep,
  scriptedServer,
} from '../helpers/scripted-server.js';

const BYTES = Buffer.from('abcdefghijklmnopqrstuvwxyz0123'); // 30 bytes
const sha = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}` as Digest;
const DESC: Descriptor = {
  mediaType: 'application/octet-stream',
  digest: sha(BYTES),
  size: BYTES.length,
};
const ENC = encodeURIComponent(DESC.digest);
const UP = '/v2/app/blobs/uploads/';

/** repo gives a Repository on a scripted registry, with fast, recorded retries. */
function repo(t: Test, host: string): Repository {
  const client = createClient({
    plainHttp: true,
    retry: { retries: 2, minDelay: 1, maxDelay: 2, sleep: async () => {} },
  });
  t.teardown(() => client.close());
  return client.repository(parseReference(`${host}/app`));
}

/** memorySource is a BlobSource over bytes that records the offsets it was asked for. */
function memorySource(bytes: Buffer = BYTES, desc: Descriptor = DESC) {
  const opens: string[] = [];
  const source: BlobSource = {
    descriptor: desc,
    open: async () => {
      opens.push('whole');
      const v = new VerifyingStream(desc.digest, desc.size, 'test blob');
      Readable.from([bytes]).pipe(v);
      return v;
    },
    openAt: async (offset) => {
      opens.push(`at ${offset}`);
      return { body: Readable.from([bytes.subarray(offset)]), start: offset };
    },
  };
  return { source, opens };
}

const noWait: UploadOptions['retry'] = {
  retries: 3,
  minDelay: 1,
  maxDelay: 1,
  sleep: async () => {},
};

const post = (location: string, headers: Record<string, string> = {}): ScriptStep => ({
  method: 'POST',
  path: UP,
  check: (r) => t.equal(r.headers['content-length'], '0', 'POST carries Content-Length: 0'),
  reply: { status: 202, headers: { location, range: '0-0', ...headers } },
});

/** A PATCH expected at `path` carrying bytes [start, end] inclusive, answered 202. */
function patch(path: string, start: number, end: number, next: string): ScriptStep {
  return {
    method: 'PATCH',
    path,
    check: (r) => {
      t.equal(
        r.headers['content-range'],
        `${start}-${end}`,
        'Content-Range start-end, no "bytes "',
      );
      t.equal(r.headers['content-type'], 'application/octet-stream');
      t.equal(
        r.body.toString(),
        BYTES.subarray(start, end + 1).toString(),
        `bytes ${start}-${end}`,
      );
    },
    reply: { status: 202, headers: { location: next, range: `0-${end}` } },
  };
}

function commit(path: string): ScriptStep {
  return {
    method: 'PUT',
    path,
    check: (r) => {
      t.equal(r.headers['content-length'], '0', 'the closing PUT has no body');
      t.equal(r.body.length, 0);
    },
    reply: { status: 201, headers: { 'docker-content-digest': DESC.digest } },
  };
}

const cancel = (path: RegExp | string, status = 204): ScriptStep => ({
  method: 'DELETE',
  path,
  reply: { status },
});

t.test('monolithic by default: one PUT to the Location as given, digest appended', async (t) => {
  const reg = await scriptedServer(t, [
    post('/v2/app/blobs/uploads/u1?_state=a~b%2Fc==&x=1'),
    {
      method: 'PUT',
      path: `/v2/app/blobs/uploads/u1?_state=a~b%2Fc==&x=1&digest=${ENC}`,
      check: (r) => t.equal(r.body.toString(), BYTES.toString()),
      reply: { status: 201 },
    },
  ]);
  const { source, opens } = memorySource();
  await repo(t, reg.host).blobs.uploadFrom(DESC, source);
  t.same(opens, ['whole'], 'the verified stream, read once');
});

t.test(
  'chunked: Content-Range, the latest Location each time, PUT ?digest= at the end',
  async (t) => {
    const reg = await scriptedServer(t, [
      post('/v2/app/blobs/uploads/u1?_state=s0'),
      patch('/v2/app/blobs/uploads/u1?_state=s0', 0, 9, '/v2/app/blobs/uploads/u1?_state=s1'),
      patch('/v2/app/blobs/uploads/u1?_state=s1', 10, 19, 'u1?_state=s2'), // relative to the URL
      patch('/v2/app/blobs/uploads/u1?_state=s2', 20, 29, '/v2/app/blobs/uploads/u1?_state=s3'),
      commit(`/v2/app/blobs/uploads/u1?_state=s3&digest=${ENC}`),
    ]);
    const progress: number[] = [];
    const { source, opens } = memorySource();
    await repo(t, reg.host).blobs.uploadFrom(DESC, source, {
      chunkSize: 10,
      onProgress: (n) => progress.push(n),
    });
    t.same(opens, ['at 0'], 'read once, from the start');
    t.same(progress, [10, 20, 30]);
  },
);

t.test('a blob no larger than chunkSize stays monolithic', async (t) => {
  const reg = await scriptedServer(t, [
    post('/v2/app/blobs/uploads/u1'),
    { method: 'PUT', path: `/v2/app/blobs/uploads/u1?digest=${ENC}`, reply: { status: 201 } },
  ]);
  await repo(t, reg.host).blobs.uploadFrom(DESC, memorySource().source, { chunkSize: 30 });
});

t.test('OCI-Chunk-Min-Length raises the chunk; a huge one means a single PATCH', async (t) => {
  const reg = await scriptedServer(t, [
    post('/v2/app/blobs/uploads/u1', { 'oci-chunk-min-length': '16' }),
    patch('/v2/app/blobs/uploads/u1', 0, 15, '/v2/app/blobs/uploads/u1?n=1'),
    patch('/v2/app/blobs/uploads/u1?n=1', 16, 29, '/v2/app/blobs/uploads/u1?n=2'),
    commit(`/v2/app/blobs/uploads/u1?n=2&digest=${ENC}`),
    post('/v2/app/blobs/uploads/u2', { 'oci-chunk-min-length': '4294967296' }),
    patch('/v2/app/blobs/uploads/u2', 0, 29, '/v2/app/blobs/uploads/u2?n=1'),
    commit(`/v2/app/blobs/uploads/u2?n=1&digest=${ENC}`),
    post('/v2/app/blobs/uploads/u3', { 'oci-chunk-min-length': 'lots' }),
    patch('/v2/app/blobs/uploads/u3', 0, 9, '/v2/app/blobs/uploads/u3?n=1'),
    patch('/v2/app/blobs/uploads/u3?n=1', 10, 19, '/v2/app/blobs/uploads/u3?n=2'),
    patch('/v2/app/blobs/uploads/u3?n=2', 20, 29, '/v2/app/blobs/uploads/u3?n=3'),
    commit(`/v2/app/blobs/uploads/u3?n=3&digest=${ENC}`),
  ]);
  const r = repo(t, reg.host);
  await r.blobs.uploadFrom(DESC, memorySource().source, { chunkSize: 10 });
  await r.blobs.uploadFrom(DESC, memorySource().source, { chunkSize: 10 });
  await r.blobs.uploadFrom(DESC, memorySource().source, { chunkSize: 10 });
});

for (const refusal of [
  { status: 413, body: 'Request Entity Too Large' },
  { status: 400, body: { errors: [{ code: 'SIZE_INVALID', message: 'too big for one PUT' }] } },
  { status: 400, body: { errors: [{ code: 'BLOB_UPLOAD_INVALID' }] } },
]) {
  t.test(
    `monolithic PUT refused (${refusal.status} ${JSON.stringify(refusal.body).slice(0, 40)}): sent again in chunks, and from then on`,
    async (t) => {
      const reg = await scriptedServer(t, [
        post('/v2/app/blobs/uploads/m1'),
        { method: 'PUT', path: `/v2/app/blobs/uploads/m1?digest=${ENC}`, reply: refusal },
        cancel('/v2/app/blobs/uploads/m1'),
        // The same blob again at once, in chunks (of the default size: one PATCH here).
        post('/v2/app/blobs/uploads/c1'),
        patch('/v2/app/blobs/uploads/c1', 0, 29, '/v2/app/blobs/uploads/c1?1'),
        commit(`/v2/app/blobs/uploads/c1?1&digest=${ENC}`),
        // The next blob to this registry goes straight to chunks.
        post('/v2/app/blobs/uploads/c2'),
        patch('/v2/app/blobs/uploads/c2', 0, 29, '/v2/app/blobs/uploads/c2?1'),
        commit(`/v2/app/blobs/uploads/c2?1&digest=${ENC}`),
      ]);
      const r = repo(t, reg.host);
      const first = memorySource();
      await r.blobs.uploadFrom(DESC, first.source);
      t.same(first.opens, ['whole', 'at 0'], 'read whole for the PUT, then again for the chunks');
      const second = memorySource();
      await r.blobs.uploadFrom(DESC, second.source);
      t.same(second.opens, ['at 0']);
    },
  );
}

t.test('a refusal that is not about size (DIGEST_INVALID) does not switch to chunks', async (t) => {
  const reg = await scriptedServer(t, [
    post('/v2/app/blobs/uploads/m1'),
    {
      method: 'PUT',
      path: `/v2/app/blobs/uploads/m1?digest=${ENC}`,
      reply: { status: 400, body: { errors: [{ code: 'DIGEST_INVALID' }] } },
    },
    cancel('/v2/app/blobs/uploads/m1'),
  ]);
  await t.rejects(repo(t, reg.host).blobs.uploadFrom(DESC, memorySource().source), {
    code: 'ERR_REGISTRY',
    status: 400,
  });
});

t.test('a chunk whose connection breaks: status GET, resume from the range', async (t) => {
  const reg = await scriptedServer(t, [
    post('/v2/app/blobs/uploads/u1?s=0'),
    patch('/v2/app/blobs/uploads/u1?s=0', 0, 9, '/v2/app/blobs/uploads/u1?s=1'),
    {
      method: 'PATCH',
      path: '/v2/app/blobs/uploads/u1?s=1',
      check: (r) => t.equal(r.headers['content-range'], '10-19'),
      reply: { status: 0, destroy: true },
    },
    {
      method: 'GET',
      path: '/v2/app/blobs/uploads/u1?s=1',
      reply: { status: 204, headers: { range: '0-9', location: '/v2/app/blobs/uploads/u1?s=1b' } },
    },
    patch('/v2/app/blobs/uploads/u1?s=1b', 10, 19, '/v2/app/blobs/uploads/u1?s=2'),
    patch('/v2/app/blobs/uploads/u1?s=2', 20, 29, '/v2/app/blobs/uploads/u1?s=3'),
    commit(`/v2/app/blobs/uploads/u1?s=3&digest=${ENC}`),
  ]);
  const { source, opens } = memorySource();
  const resumes: ResumeInfo[] = [];
  await repo(t, reg.host).blobs.uploadFrom(DESC, source, {
    chunkSize: 10,
    retry: noWait,
    onResume: (i) => resumes.push(i),
  });
  t.same(opens, ['at 0', 'at 10'], 'the source is read again from the boundary only');
  t.match(resumes, [{ attempt: 1, offset: 10, restarted: false }]);
});

t.test(
  'the answer to a chunk is lost after the registry took it all: nothing re-sent',
  async (t) => {
    const reg = await scriptedServer(t, [
      post('/v2/app/blobs/uploads/u1?s=0'),
      {
        method: 'PATCH',
        path: '/v2/app/blobs/uploads/u1?s=0',
        check: (r) => t.equal(r.body.length, 20),
        reply: { status: 0, destroy: true },
      },
      {
        method: 'GET',
        path: '/v2/app/blobs/uploads/u1?s=0',
        reply: {
          status: 204,
          headers: { range: '0-19', location: '/v2/app/blobs/uploads/u1?s=1' },
        },
      },
      patch('/v2/app/blobs/uploads/u1?s=1', 20, 29, '/v2/app/blobs/uploads/u1?s=2'),
      commit(`/v2/app/blobs/uploads/u1?s=2&digest=${ENC}`),
    ]);
    const { source, opens } = memorySource();
    await repo(t, reg.host).blobs.uploadFrom(DESC, source, { chunkSize: 20, retry: noWait });
    t.same(opens, ['at 0'], 'on from 20 with the same read: the lost answer cost no re-send');
  },
);

t.test('PATCH answered 416 or 201 (ECR): status GET, then on from what it holds', async (t) => {
  const reg = await scriptedServer(t, [
    post('/v2/app/blobs/uploads/u1?s=0'),
    {
      method: 'PATCH',
      path: '/v2/app/blobs/uploads/u1?s=0',
      reply: { status: 201, headers: { location: '/v2/app/blobs/uploads/u1?s=1' } },
    },
    {
      method: 'GET',
      path: '/v2/app/blobs/uploads/u1?s=1',
      reply: { status: 204, headers: { range: '0-9', location: '/v2/app/blobs/uploads/u1?s=1' } },
    },
    {
      method: 'PATCH',
      path: '/v2/app/blobs/uploads/u1?s=1',
      check: (r) => t.equal(r.headers['content-range'], '10-19'),
      reply: { status: 416, headers: { location: '/v2/app/blobs/uploads/u1?s=2' } },
    },
    {
      method: 'GET',
      path: '/v2/app/blobs/uploads/u1?s=2',
      reply: { status: 204, headers: { range: '0-19', location: '/v2/app/blobs/uploads/u1?s=3' } },
    },
    patch('/v2/app/blobs/uploads/u1?s=3', 20, 29, '/v2/app/blobs/uploads/u1?s=4'),
    commit(`/v2/app/blobs/uploads/u1?s=4&digest=${ENC}`),
  ]);
  const { source, opens } = memorySource();
  const resumes: ResumeInfo[] = [];
  await repo(t, reg.host).blobs.uploadFrom(DESC, source, {
    chunkSize: 10,
    retry: noWait,
    onResume: (i) => resumes.push(i),
  });
  t.same(opens, ['at 0'], 'read once: both chunks had been read whole and the registry kept them');
  t.match(resumes, [
    { offset: 10, restarted: false },
    { offset: 20, restarted: false },
  ]);
});

t.test(
  'a registry answering every chunk 201 (ECR) finishes: each status shows progress',
  async (t) => {
    const steps: ScriptStep[] = [post('/v2/app/blobs/uploads/u1?0')];
    for (const end of [9, 19, 29]) {
      steps.push(
        {
          method: 'PATCH',
          path: `/v2/app/blobs/uploads/u1?${end - 9}`,
          reply: { status: 201, headers: { location: `/v2/app/blobs/uploads/u1?${end + 1}` } },
        },
        {
          method: 'GET',
          path: `/v2/app/blobs/uploads/u1?${end + 1}`,
          reply: { status: 204, headers: { range: `0-${end}` } },
        },
      );
    }
    steps.push(commit(`/v2/app/blobs/uploads/u1?30&digest=${ENC}`));
    const reg = await scriptedServer(t, steps);
    const { source, opens } = memorySource();
    await repo(t, reg.host).blobs.uploadFrom(DESC, source, {
      chunkSize: 10,
      retry: { ...noWait, retries: 1 },
    });
    t.same(opens, ['at 0']);
  },
);

t.test('a range off the known chunk boundaries: the whole upload restarts', async (t) => {
  const reg = await scriptedServer(t, [
    post('/v2/app/blobs/uploads/u1'),
    patch('/v2/app/blobs/uploads/u1', 0, 9, '/v2/app/blobs/uploads/u1?1'),
    { method: 'PATCH', path: '/v2/app/blobs/uploads/u1?1', reply: { status: 0, destroy: true } },
    {
      method: 'GET',
      path: '/v2/app/blobs/uploads/u1?1',
      reply: { status: 204, headers: { range: '0-14', location: '/v2/app/blobs/uploads/u1?2' } },
    },
    cancel('/v2/app/blobs/uploads/u1?2'),
    post('/v2/app/blobs/uploads/u2'),
    patch('/v2/app/blobs/uploads/u2', 0, 9, '/v2/app/blobs/uploads/u2?1'),
    patch('/v2/app/blobs/uploads/u2?1', 10, 19, '/v2/app/blobs/uploads/u2?2'),
    patch('/v2/app/blobs/uploads/u2?2', 20, 29, '/v2/app/blobs/uploads/u2?3'),
    commit(`/v2/app/blobs/uploads/u2?3&digest=${ENC}`),
  ]);
  const { source, opens } = memorySource();
  const resumes: ResumeInfo[] = [];
  await repo(t, reg.host).blobs.uploadFrom(DESC, source, {
    chunkSize: 10,
    retry: noWait,
    onResume: (i) => resumes.push(i),
  });
  t.same(opens, ['at 0', 'at 0']);
  t.match(resumes, [{ offset: 15, restarted: true }]);
});

t.test('the session is gone (404 on the status request): a new session from zero', async (t) => {
  const reg = await scriptedServer(t, [
    post('/v2/app/blobs/uploads/u1'),
    patch('/v2/app/blobs/uploads/u1', 0, 9, '/v2/app/blobs/uploads/u1?1'),
    {
      method: 'PATCH',
      path: '/v2/app/blobs/uploads/u1?1',
      reply: { status: 404, body: { errors: [{ code: 'BLOB_UPLOAD_UNKNOWN' }] } },
    },
    {
      method: 'GET',
      path: '/v2/app/blobs/uploads/u1?1',
      reply: { status: 404, body: { errors: [{ code: 'BLOB_UPLOAD_UNKNOWN' }] } },
    },
    cancel('/v2/app/blobs/uploads/u1?1', 404),
    // The new session asks for bigger chunks: its minimum applies from now on.
    post('/v2/app/blobs/uploads/u2', { 'oci-chunk-min-length': '20' }),
    patch('/v2/app/blobs/uploads/u2', 0, 19, '/v2/app/blobs/uploads/u2?1'),
    patch('/v2/app/blobs/uploads/u2?1', 20, 29, '/v2/app/blobs/uploads/u2?2'),
    commit(`/v2/app/blobs/uploads/u2?2&digest=${ENC}`),
  ]);
  const { source, opens } = memorySource();
  await repo(t, reg.host).blobs.uploadFrom(DESC, source, { chunkSize: 10, retry: noWait });
  t.same(opens, ['at 0', 'at 0']);
});

t.test(
  'the closing PUT answer is lost, its replay finds no session: the blob is there, done',
  async (t) => {
    const reg = await scriptedServer(t, [
      post('/v2/app/blobs/uploads/u1'),
      patch('/v2/app/blobs/uploads/u1', 0, 19, '/v2/app/blobs/uploads/u1?1'),
      patch('/v2/app/blobs/uploads/u1?1', 20, 29, '/v2/app/blobs/uploads/u1?2'),
      {
        method: 'PUT',
        path: `/v2/app/blobs/uploads/u1?2&digest=${ENC}`,
        reply: { status: 0, destroy: true },
      },
      {
        method: 'PUT',
        path: `/v2/app/blobs/uploads/u1?2&digest=${ENC}`,
        reply: { status: 404, body: { errors: [{ code: 'BLOB_UPLOAD_UNKNOWN' }] } },
      },
      {
        method: 'HEAD',
        path: `/v2/app/blobs/${DESC.digest}`,
        reply: { status: 200, headers: { 'content-length': '30' } },
      },
    ]);
    await repo(t, reg.host).blobs.uploadFrom(DESC, memorySource().source, {
      chunkSize: 20,
      retry: noWait,
    });
  },
);

t.test('resumes without progress run out: the error, and the session cancelled', async (t) => {
  const broken: ScriptStep = {
    method: 'PATCH',
    path: '/v2/app/blobs/uploads/u1',
    reply: { status: 503 },
  };
  const status: ScriptStep = {
    method: 'GET',
    path: '/v2/app/blobs/uploads/u1',
    reply: { status: 204, headers: { range: '0-0' } },
  };
  const reg = await scriptedServer(t, [
    post('/v2/app/blobs/uploads/u1'),
    broken,
    status,
    broken,
    status,
    broken,
    cancel('/v2/app/blobs/uploads/u1', 500), // a failing cancel is tried once, and ignored
  ]);
  await t.rejects(
    repo(t, reg.host).blobs.uploadFrom(DESC, memorySource().source, {
      chunkSize: 10,
      retry: { ...noWait, retries: 2 },
    }),
    { code: 'ERR_REGISTRY_UNAVAILABLE', status: 503 },
    'the PATCH error, not the failed DELETE',
  );
});

t.test('bytes that do not hash to the digest: no closing PUT, the session cancelled', async (t) => {
  const bad = Buffer.from(BYTES);
  bad[25] = 0x21;
  const reg = await scriptedServer(t, [
    post('/v2/app/blobs/uploads/u1'),
    {
      method: 'PATCH',
      path: '/v2/app/blobs/uploads/u1',
      reply: { status: 202, headers: { location: '/v2/app/blobs/uploads/u1?1', range: '0-19' } },
    },
    {
      method: 'PATCH',
      path: '/v2/app/blobs/uploads/u1?1',
      reply: { status: 202, headers: { location: '/v2/app/blobs/uploads/u1?2', range: '0-29' } },
    },
    cancel('/v2/app/blobs/uploads/u1?2'),
  ]);
  await t.rejects(
    repo(t, reg.host).blobs.uploadFrom(DESC, memorySource(bad).source, { chunkSize: 20 }),
    { code: 'ERR_DIGEST_MISMATCH' },
  );
});

t.test('a source longer than its descriptor: stopped, no closing PUT', async (t) => {
  const long = Buffer.concat([BYTES, Buffer.from('!')]);
  const reg = await scriptedServer(t, [
    post('/v2/app/blobs/uploads/u1'),
    patch('/v2/app/blobs/uploads/u1', 0, 14, '/v2/app/blobs/uploads/u1?1'),
    patch('/v2/app/blobs/uploads/u1?1', 15, 29, '/v2/app/blobs/uploads/u1?2'),
    cancel('/v2/app/blobs/uploads/u1?2'),
  ]);
  await t.rejects(
    repo(t, reg.host).blobs.uploadFrom(DESC, memorySource(long).source, { chunkSize: 15 }),
    { code: 'ERR_SIZE_MISMATCH' },
  );
});

// ---------------------------------------------------------------------------------------------
// Ranged re-reads of a source registry (RegistryBlobs.getFrom), through a whole copy.

/** A source registry answering one blob GET; `reply` decides how a ranged request is met. */
function sourceBlob(
  range: (r: RecordedRequest) => {
    status: number;
    headers?: Record<string, string>;
    body?: Buffer;
  },
): ScriptStep[] {
  const path = `/v2/app/blobs/${DESC.digest}`;
  return [
    {
      method: 'GET',
      path,
      check: (r) => t.equal(r.headers.range, undefined),
      reply: { status: 200, body: BYTES },
    },
    {
      method: 'GET',
      path,
      check: (r) => t.equal(r.headers.range, 'bytes=10-', 'asks for the rest'),
      reply: range,
    },
  ];
}

/** A BlobSource over a Repository, as the copy engine builds it. */
function registrySource(r: Repository): BlobSource {
  return {
    descriptor: DESC,
    open: (signal) => r.blobs.get(DESC, signal),
    openAt: (offset, signal) => r.blobs.getFrom(DESC, offset, signal),
  };
}

const resumeDestination = (afterResume: ScriptStep[]): ScriptStep[] => [
  post('/v2/app/blobs/uploads/u1'),
  patch('/v2/app/blobs/uploads/u1', 0, 9, '/v2/app/blobs/uploads/u1?1'),
  { method: 'PATCH', path: '/v2/app/blobs/uploads/u1?1', reply: { status: 0, destroy: true } },
  {
    method: 'GET',
    path: '/v2/app/blobs/uploads/u1?1',
    reply: { status: 204, headers: { range: '0-9', location: '/v2/app/blobs/uploads/u1?2' } },
  },
  ...afterResume,
];

t.test('resume reads the source with Range: a 206 with the right Content-Range', async (t) => {
  const src = await scriptedServer(
    t,
    sourceBlob(() => ({
      status: 206,
      headers: { 'content-range': 'bytes 10-29/30' },
      body: BYTES.subarray(10),
    })),
    { name: 'source' },
  );
  const dst = await scriptedServer(
    t,
    resumeDestination([
      patch('/v2/app/blobs/uploads/u1?2', 10, 19, '/v2/app/blobs/uploads/u1?3'),
      patch('/v2/app/blobs/uploads/u1?3', 20, 29, '/v2/app/blobs/uploads/u1?4'),
      commit(`/v2/app/blobs/uploads/u1?4&digest=${ENC}`),
    ]),
    { name: 'destination' },
  );
  await repo(t, dst.host).blobs.uploadFrom(DESC, registrySource(repo(t, src.host)), {
    chunkSize: 10,
    retry: noWait,
  });
});

t.test(
  'a Range request answered 200 with the whole blob: hashed again from zero, not appended',
  async (t) => {
    const src = await scriptedServer(
      t,
      sourceBlob(() => ({ status: 200, body: BYTES })),
      {
        name: 'source',
      },
    );
    const dst = await scriptedServer(
      t,
      resumeDestination([
        // Bytes from 10 only: the first ten of the 200 are skipped (hashed, not sent).
        patch('/v2/app/blobs/uploads/u1?2', 10, 19, '/v2/app/blobs/uploads/u1?3'),
        patch('/v2/app/blobs/uploads/u1?3', 20, 29, '/v2/app/blobs/uploads/u1?4'),
        commit(`/v2/app/blobs/uploads/u1?4&digest=${ENC}`),
      ]),
      { name: 'destination' },
    );
    await repo(t, dst.host).blobs.uploadFrom(DESC, registrySource(repo(t, src.host)), {
      chunkSize: 10,
      retry: noWait,
    });
  },
);

t.test('a 206 with another Content-Range: refused, nothing committed', async (t) => {
  const src = await scriptedServer(
    t,
    sourceBlob(() => ({
      status: 206,
      headers: { 'content-range': 'bytes 0-19/30' },
      body: BYTES.subarray(0, 20),
    })),
    { name: 'source' },
  );
  const dst = await scriptedServer(t, resumeDestination([cancel('/v2/app/blobs/uploads/u1?2')]), {
    name: 'destination',
  });
  await t.rejects(
    repo(t, dst.host).blobs.uploadFrom(DESC, registrySource(repo(t, src.host)), {
      chunkSize: 10,
      retry: noWait,
    }),
    { code: 'ERR_PROTOCOL', message: /Content-Range "bytes 0-19\/30"/ },
  );
});
