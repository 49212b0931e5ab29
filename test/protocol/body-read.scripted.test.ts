/**
 * Scripted-HTTP tests of response bodies that break off after the headers: truncated
 * (the connection closes before Content-Length bytes), reset mid-body, stalled (the idle
 * timeout fires). Manifests, tag lists, referrer lists and token answers are read inside
 * the transport's retry loop, so such a failure is a typed, retried network error; a blob
 * stream fails with a typed network error its consumer (the copy's blob retry) can retry.
 */
import type { ServerResponse } from 'node:http';
import t, { type Test } from 'tap';
import { createClient, type Descriptor, digestOf, parseReference } from '../../lib/index.js';
import { silentLogger } from '../../lib/log.js';
import { OCI_INDEX, OCI_MANIFEST } from '../../lib/media-types.js';
import { isRetryable } from '../../lib/transport/retry.js';
import type { TransportOptions } from '../../lib/transport/types.js';
import { cliEnv } from '../helpers/cli.js';
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
const manifestHeaders = {
  'content-type': OCI_MANIFEST,
  'docker-content-digest': manifestDigest,
};

type Break = 'truncated' | 'reset' | 'stalled';

/** broken answers 200 with `body`'s Content-Length, sends a part of it, then breaks off. */
function broken(kind: Break, body: Buffer, headers: Record<string, string> = {}): Reply {
  return {
    status: 200,
    write: (res: ServerResponse) => {
      res.writeHead(200, { ...headers, 'content-length': String(body.length) });
      res.write(body.subarray(0, Math.floor(body.length / 2)));
      // Let the part reach the client before the connection breaks.
      setTimeout(() => {
        if (kind === 'truncated') res.socket?.end();
        else if (kind === 'reset') res.socket?.resetAndDestroy();
        // 'stalled': nothing more is sent; the client's idle timeout fires.
      }, 20);
    },
  };
}

function repo(t: Test, host: string, opts: TransportOptions = {}) {
  const retries: unknown[] = [];
  const client = createClient({
    plainHttp: true,
    timeouts: { idle: 200 },
    retry: { retries: 2, minDelay: 1, maxDelay: 2 },
    logger: { ...silentLogger, warn: (o: { error?: unknown }) => retries.push(o.error) },
    ...opts,
  });
  t.teardown(() => client.close());
  return { repo: client.repository(parseReference(`${host}/app`)), retries };
}

for (const kind of ['truncated', 'reset', 'stalled'] as const) {
  t.test(`a ${kind} manifest body is retried and the second attempt succeeds`, async (t) => {
    const reg = await scriptedServer(t, [
      {
        method: 'GET',
        path: '/v2/app/manifests/v1',
        reply: broken(kind, manifestBytes, manifestHeaders),
      },
      {
        method: 'GET',
        path: '/v2/app/manifests/v1',
        reply: { status: 200, headers: manifestHeaders, body: manifestBytes },
      },
    ]);
    const { repo: r, retries } = repo(t, reg.host);
    const got = await r.manifests.get('v1');
    t.equal(got.descriptor.digest, manifestDigest);
    t.equal(reg.requests.length, 2, 'fetched twice');
    t.equal(retries.length, 1, 'one retry');
    t.match(retries[0], /fetch manifest .*app:v1: GET .* failed/, 'the retry names the request');
  });
}

t.test('a tag list body that breaks off is retried', async (t) => {
  const page = Buffer.from(JSON.stringify({ name: 'app', tags: ['v1', 'v2'] }));
  const reg = await scriptedServer(t, [
    {
      method: 'GET',
      path: '/v2/app/tags/list?n=1000',
      reply: broken('reset', page, { 'content-type': 'application/json' }),
    },
    { method: 'GET', path: '/v2/app/tags/list?n=1000', reply: { status: 200, body: page } },
  ]);
  const { repo: r } = repo(t, reg.host);
  t.same(await r.listTags(), ['v1', 'v2']);
  t.equal(reg.requests.length, 2);
});

t.test('a referrers list body that breaks off is retried', async (t) => {
  const subject = digestOf(Buffer.from('subject'));
  const referrer: Descriptor = {
    mediaType: OCI_MANIFEST,
    digest: digestOf(Buffer.from('sig')),
    size: 10,
    artifactType: 'application/vnd.dev.cosign.artifact.sig.v1+json',
  };
  const page = Buffer.from(
    JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: [referrer] }),
  );
  const reg = await scriptedServer(t, [
    {
      method: 'GET',
      path: `/v2/app/referrers/${subject}`,
      reply: broken('truncated', page, { 'content-type': OCI_INDEX }),
    },
    {
      method: 'GET',
      path: `/v2/app/referrers/${subject}`,
      reply: { status: 200, headers: { 'content-type': OCI_INDEX }, body: page },
    },
  ]);
  const { repo: r } = repo(t, reg.host);
  t.same(
    (await r.referrers.list(subject)).map((d) => d.digest),
    [referrer.digest],
  );
  t.equal(reg.requests.length, 2);
});

t.test('a token answer that breaks off is retried', async (t) => {
  const auth = await scriptedServer(t, [], { name: 'token server' });
  const reg = await scriptedServer(t, [], { name: 'registry' });
  const challenge = {
    status: 401,
    headers: {
      'www-authenticate': `Bearer realm="${auth.url}/token",service="s",scope="repository:app:pull"`,
    },
    body: { errors: [{ code: 'UNAUTHORIZED' }] },
  };
  const token = Buffer.from(JSON.stringify({ token: 'T1', expires_in: 300 }));
  auth.add(
    { method: 'GET', path: /^\/token\?/, reply: broken('truncated', token) },
    { method: 'GET', path: /^\/token\?/, reply: { status: 200, body: token } },
  );
  reg.add(
    { method: 'GET', path: '/v2/app/manifests/v1', reply: challenge },
    // The retry knows the challenge: it fetches the token before sending.
    {
      method: 'GET',
      path: '/v2/app/manifests/v1',
      check: (r) => t.equal(r.headers.authorization, 'Bearer T1'),
      reply: { status: 200, headers: manifestHeaders, body: manifestBytes },
    },
  );
  const { repo: r } = repo(t, reg.host);
  t.equal((await r.manifests.get('v1')).descriptor.digest, manifestDigest);
  t.equal(auth.requests.length, 2, 'the token was asked for again');
});

t.test('a blob stream reset mid-body fails with a typed, retryable network error', async (t) => {
  const blob = Buffer.alloc(64 * 1024, 7);
  const desc: Descriptor = {
    mediaType: 'application/octet-stream',
    digest: digestOf(blob),
    size: blob.length,
  };
  const reg = await scriptedServer(t, [
    { method: 'GET', path: `/v2/app/blobs/${desc.digest}`, reply: broken('reset', blob) },
  ]);
  const { repo: r } = repo(t, reg.host);
  const stream = await r.blobs.get(desc);
  const err = await (async () => {
    for await (const _ of stream) {
      // read on
    }
  })().catch((e: unknown) => e);
  t.match(err, {
    code: 'ERR_NETWORK',
    message: new RegExp(`fetch blob ${desc.digest} from .*: GET .* failed`),
  });
  t.ok(isRetryable(err), 'the copy engine retries it');
});

t.test('a manifest body that always breaks off: exit 1, one typed line, no stack', async (t) => {
  const reg = await scriptedServer(t, [
    {
      method: 'GET',
      path: '/v2/app/manifests/v1',
      reply: broken('truncated', manifestBytes, manifestHeaders),
      // The first attempt and the CLI's 4 retries.
      times: 5,
    },
  ]);
  const cli = await cliEnv(t);
  const r = await cli.run(['inspect', '--plain-http', '--json', `${reg.host}/app:v1`]);
  t.equal(r.code, 1, r.stderr);
  t.equal(r.json().error.code, 'ERR_NETWORK');
  t.match(
    r.stderr,
    /oci-promote: error: fetch manifest .*app:v1: GET .* failed.*\[ERR_NETWORK\]\n/,
  );
  t.notMatch(r.stderr, /^\s+at /m, 'no stack trace');
  t.equal(reg.requests.length, 5, 'retried within the budget');
});
