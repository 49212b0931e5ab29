/**
 * Scripted-HTTP tests of the per-request deadline: a body trickled slowly enough never
 * trips the idle timeout, so a whole response must finish within a floor plus its
 * expected size at a minimum rate. The floor and rate are set tiny here so a trickle is
 * caught in well under a second; the tests assert codes and retries, not timings.
 */
import type { ServerResponse } from 'node:http';
import t, { type Test } from 'tap';
import { createClient, type Descriptor, digestOf, parseReference } from '../../lib/index.js';
import { silentLogger } from '../../lib/log.js';
import { OCI_MANIFEST } from '../../lib/media-types.js';
import { isRetryable } from '../../lib/transport/retry.js';
import type { TransportOptions } from '../../lib/transport/types.js';
import { type Reply, scriptedServer } from '../helpers/scripted-server.js';

const config = {
  mediaType: 'application/vnd.oci.image.config.v1+json',
  digest: digestOf(Buffer.from('c')),
  size: 1,
};
const manifestBytes = Buffer.from(
  JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, config, layers: [] }),
);
const manifestDigest = digestOf(manifestBytes);
const manifestHeaders = { 'content-type': OCI_MANIFEST, 'docker-content-digest': manifestDigest };

/** trickle sends `body` in pieces of `piece` bytes every `everyMs` ms (each gap far below the idle timeout). */
function trickle(
  body: Buffer,
  piece: number,
  everyMs: number,
  headers: Record<string, string> = {},
): Reply {
  return {
    status: 200,
    write: async (res: ServerResponse) => {
      res.writeHead(200, { ...headers, 'content-length': String(body.length) });
      for (let at = 0; at < body.length; at += piece) {
        if (res.destroyed || res.socket?.destroyed) return;
        res.write(body.subarray(at, at + piece));
        await new Promise((r) => setTimeout(r, everyMs));
      }
      res.end();
    },
  };
}

function client(t: Test, timeouts: TransportOptions['timeouts']) {
  const retries: unknown[] = [];
  const c = createClient({
    plainHttp: true,
    timeouts: { idle: 2_000, ...timeouts },
    retry: { retries: 2, minDelay: 1, maxDelay: 2 },
    logger: { ...silentLogger, warn: (o: { error?: unknown }) => retries.push(o.error) },
  });
  t.teardown(() => c.close());
  return { repo: (host: string) => c.repository(parseReference(`${host}/app`)), retries };
}

t.test('a trickled manifest body is cut at the deadline and retried', async (t) => {
  const reg = await scriptedServer(t, [
    {
      method: 'GET',
      path: '/v2/app/manifests/v1',
      reply: trickle(manifestBytes, 1, 20, manifestHeaders),
    },
    {
      method: 'GET',
      path: '/v2/app/manifests/v1',
      reply: { status: 200, headers: manifestHeaders, body: manifestBytes },
    },
  ]);
  // The floor, plus 1 ms for the manifest's bytes at 1 GiB/s.
  const { repo, retries } = client(t, { deadline: 150, minRate: 1 << 30 });
  t.equal((await repo(reg.host).manifests.get('v1')).descriptor.digest, manifestDigest);
  t.equal(reg.requests.length, 2, 'fetched again after the deadline');
  t.equal(retries.length, 1);
  t.match(retries[0], /fetch manifest .*app:v1: GET .* did not finish within 151 ms/);
});

t.test(
  'a manifest body trickled every time: a typed deadline error after the retries',
  async (t) => {
    const reg = await scriptedServer(t, [
      {
        method: 'GET',
        path: '/v2/app/manifests/v1',
        reply: trickle(manifestBytes, 1, 20, manifestHeaders),
        times: 3,
      },
    ]);
    const { repo } = client(t, { deadline: 100, minRate: 1 << 30 });
    const err = await repo(reg.host)
      .manifests.get('v1')
      .catch((e: unknown) => e);
    t.match(err, {
      code: 'ERR_DEADLINE',
      method: 'GET',
      message:
        /^fetch manifest .*app:v1: GET http:\/\/.*\/v2\/app\/manifests\/v1 did not finish within 101 ms/,
    });
    t.ok(isRetryable(err));
    t.equal(reg.requests.length, 3, 'the first attempt and both retries');
  },
);

t.test('a trickled blob stream fails its reader with the deadline error', async (t) => {
  const blob = Buffer.alloc(4096, 1);
  const desc: Descriptor = {
    mediaType: 'application/octet-stream',
    digest: digestOf(blob),
    size: blob.length,
  };
  const reg = await scriptedServer(t, [
    { method: 'GET', path: `/v2/app/blobs/${desc.digest}`, reply: trickle(blob, 16, 20) },
  ]);
  // 4096 bytes at 40 KiB/s add 100 ms to the 100 ms floor.
  const { repo } = client(t, { deadline: 100, minRate: 40960 });
  const stream = await repo(reg.host).blobs.get(desc);
  const err = await (async () => {
    for await (const _ of stream) {
      // read on
    }
  })().catch((e: unknown) => e);
  t.match(err, {
    code: 'ERR_DEADLINE',
    message: new RegExp(`fetch blob ${desc.digest} from .*: GET .* did not finish within 200 ms`),
  });
  t.ok(isRetryable(err), 'the copy engine retries it');
});

t.test('the deadline grows with the expected size: a slow but steady blob completes', async (t) => {
  const blob = Buffer.alloc(4096, 2);
  const desc: Descriptor = {
    mediaType: 'application/octet-stream',
    digest: digestOf(blob),
    size: blob.length,
  };
  const reg = await scriptedServer(t, [
    { method: 'GET', path: `/v2/app/blobs/${desc.digest}`, reply: trickle(blob, 1024, 50) },
  ]);
  // Past the 50 ms floor, well within the floor plus 4096 bytes at 4 KiB/s (1050 ms).
  const { repo } = client(t, { deadline: 50, minRate: 4096 });
  const chunks: Buffer[] = [];
  for await (const c of await repo(reg.host).blobs.get(desc)) chunks.push(c as Buffer);
  t.same(Buffer.concat(chunks), blob);
});
