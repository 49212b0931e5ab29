// Chunked uploads against a real registry (distribution 2.8) through the fault proxy: a
// chunk cut mid-body is resumed from the registry's reported range, re-reading the source
// with a Range request from that boundary — byte counts show nothing before it is sent
// again; a source that ignores Range is hashed again from zero, not appended; a chunk the
// registry got part of (distribution then refuses the session) restarts in a new session
// and the old one is cancelled; a refused monolithic PUT switches to chunks.
import { join } from 'node:path';
import t, { type Test } from 'tap';
import {
  type CopyOptions,
  copy,
  createClient,
  parseReference,
  type RegistryClient,
  verify,
} from '../../lib/index.js';
import { type ProxiedRequest, startFaultProxy } from '../helpers/fault-proxy.js';
import { writeRandomImage } from '../helpers/random.js';
import { pushLayout } from '../helpers/seed.js';
import { twoRegistries } from '../helpers/setup.js';

const { src, dst, client: direct, work } = await twoRegistries(t, 'faults-uploads');
const srcProxy = await startFaultProxy(t, src, { seed: 3 });
const dstProxy = await startFaultProxy(t, dst, { seed: 4 });
const FAST = { retries: 5, minDelay: 1, maxDelay: 10 };
const MiB = 1024 * 1024;

const img = await writeRandomImage(join(work, 'img'), {
  seed: 'faults-uploads',
  layers: 1,
  layerSize: 5 * MiB,
  format: 'raw',
  tag: 'v1',
});
await pushLayout(src, img.dir, 'v1', 'staging/app');
const layer = img.layers[0]!;

t.beforeEach(() => {
  for (const p of [srcProxy, dstProxy]) {
    p.clearRules();
    p.clearRecords();
  }
});

function client(t: Test): RegistryClient {
  const c = createClient({ plainHttp: true, retry: FAST });
  t.teardown(() => c.close());
  return c;
}

async function copyVia(t: Test, repo: string, opts: CopyOptions = {}) {
  const r = await copy(
    client(t),
    parseReference(`${srcProxy.host}/staging/app:v1`),
    parseReference(`${dstProxy.host}/${repo}:1.0`),
    { retry: FAST, ...opts },
  );
  await Promise.all([srcProxy.settle(), dstProxy.settle()]);
  const ref = parseReference(`${dst.host}/${repo}:1.0`);
  const v = await verify(direct.repository(ref), ref, { deep: true, digest: img.digest as never });
  t.ok(v.ok, `${repo}:1.0 verifies deep`);
  t.equal(r.digest, img.digest);
  return r;
}

/** The layer's upload requests at the destination (its chunks go to sessions of its own). */
function layerUploads(): ProxiedRequest[] {
  const sessions = new Set<string>();
  const uuid = (p: string) => p.slice(p.lastIndexOf('/') + 1);
  for (const r of dstProxy.requests) {
    if (r.method === 'PATCH' && r.requestBytes > 64 * 1024) sessions.add(uuid(r.path));
  }
  return dstProxy.requests.filter(
    (r) => /\/blobs\/uploads\/./.test(r.path) && sessions.has(uuid(r.path)),
  );
}
const patchBytes = (rs: ProxiedRequest[]) =>
  rs.filter((r) => r.method === 'PATCH').reduce((n, r) => n + r.requestBytes, 0);
const rangedReads = () =>
  srcProxy.requests.filter((r) => r.method === 'GET' && r.headers.range !== undefined);

t.test('a chunk cut mid-body: resumed from the registry range, only the rest sent', async (t) => {
  dstProxy.addRule({
    name: 'cut',
    method: 'PATCH',
    path: /\/blobs\/uploads\//,
    nth: 3,
    // The connection breaks after 300 KiB of the third chunk, before the registry got any.
    action: { type: 'reset', side: 'request', afterBytes: 300 * 1024 },
  });
  await copyVia(t, 'prod/resume', { chunkSize: MiB });
  t.equal(dstProxy.injected.length, 1, 'the third chunk was cut');
  const uploads = layerUploads();
  const status = uploads.filter((r) => r.method === 'GET');
  t.match(status, [{ status: 204 }], 'one status request, answered 204');
  t.equal(uploads.filter((r) => r.method === 'POST').length, 0, 'no new session');
  const sent = patchBytes(uploads);
  t.ok(
    sent >= layer.size + 300 * 1024 && sent < layer.size + MiB,
    `${sent} bytes sent for a ${layer.size}-byte blob: only the cut chunk twice`,
  );
  t.match(
    rangedReads(),
    [{ headers: { range: `bytes=${2 * MiB}-` }, status: 206, responseBytes: layer.size - 2 * MiB }],
    'the source was read again from the 2 MiB boundary only',
  );
  t.comment(
    `PATCH bytes ${sent} for ${layer.size}; ranged re-read ${rangedReads()[0]?.responseBytes}`,
  );
});

t.test('a source that ignores Range: hashed again from zero, not appended', async (t) => {
  dstProxy.addRule({
    name: 'cut',
    method: 'PATCH',
    path: /\/blobs\/uploads\//,
    nth: 2,
    action: { type: 'reset', side: 'request', afterBytes: 100 * 1024 },
  });
  srcProxy.addRule({
    name: 'no range',
    method: 'GET',
    path: /\/blobs\//,
    when: (r) => r.headers.range !== undefined,
    action: { type: 'forward', requestHeaders: { range: undefined } },
  });
  await copyVia(t, 'prod/norange', { chunkSize: MiB });
  t.match(
    rangedReads(),
    [{ status: 200, responseBytes: layer.size, fault: 'no range' }],
    'the ranged request got the whole blob (200)',
  );
  const sent = patchBytes(layerUploads());
  t.ok(sent < layer.size + MiB, `the first MiB was skipped, not sent again (${sent} bytes)`);
});

t.test('a chunk the registry got part of: a new session, the old one cancelled', async (t) => {
  dstProxy.addRule(
    {
      name: 'cut forwarded',
      method: 'PATCH',
      path: /\/blobs\/uploads\//,
      nth: 2,
      // The registry receives 200 KiB of the chunk, then the connection breaks: it keeps
      // them, and distribution 2.8 then refuses the session (its _state no longer matches).
      action: { type: 'reset', side: 'request', afterBytes: 200 * 1024, forward: true },
    },
    {
      name: 'cancel fails',
      method: 'DELETE',
      path: /\/blobs\/uploads\//,
      nth: 1,
      action: { type: 'status', status: 500 },
    },
  );
  await copyVia(t, 'prod/restart', { chunkSize: MiB });
  const uploads = layerUploads();
  t.ok(uploads.filter((r) => r.method === 'POST').length === 0, 'POSTs are not session paths');
  const posts = dstProxy.requests.filter((r) => r.method === 'POST');
  t.equal(posts.length, 3, 'config, layer, and the layer again');
  t.ok(
    dstProxy.requests.some((r) => r.method === 'DELETE' && r.fault === 'cancel fails'),
    'the old session was cancelled (and that failing did not matter)',
  );
  t.ok(
    dstProxy.requests.some((r) => r.method === 'GET' && /uploads/.test(r.path) && r.status === 404),
    'the status request found the session gone',
  );
});

for (const early of [false, true]) {
  t.test(
    `a monolithic PUT refused with 413 (${early ? 'answered before the body was read' : 'after the body'}): sent in chunks instead`,
    async (t) => {
      dstProxy.addRule({
        name: '413',
        method: 'PUT',
        path: /\/blobs\/uploads\//,
        when: (r) => r.headers['content-length'] !== '0',
        action: { type: 'status', status: 413, body: 'Request Entity Too Large', early },
      });
      await copyVia(t, `prod/toolarge-${early}`);
      t.ok(dstProxy.injected.length >= 1, 'a monolithic PUT was refused');
      const patches = dstProxy.requests.filter((r) => r.method === 'PATCH');
      t.ok(patches.length >= 2, 'the blobs went in PATCHes');
      t.equal(
        patches.reduce((n, r) => n + r.requestBytes, 0),
        layer.size + img.config.size,
        'each byte once in the chunks',
      );
    },
  );
}
