/**
 * Scripted HTTP (a raw socket server: node:http never sends a body to HEAD): HEAD requests
 * keep their connection (undici closes it after every HEAD unless told otherwise), and a
 * server that does send a body to a HEAD costs a retry of the next request on that
 * connection, not a failure.
 */
import { createServer, type Socket } from 'node:net';
import t, { type Test } from 'tap';
import { createClient, digestOf, parseReference } from '../../lib/index.js';
import { OCI_MANIFEST } from '../../lib/media-types.js';

const manifest = Buffer.from(
  JSON.stringify({
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    config: {
      mediaType: 'application/vnd.oci.image.config.v1+json',
      digest: digestOf(Buffer.from('c')),
      size: 1,
    },
    layers: [],
  }),
);
const digest = digestOf(manifest);

/** rawRegistry answers HEAD and GET of manifests/v1 (HEAD of others: 404), by hand. */
async function rawRegistry(t: Test, bodyToHead: boolean) {
  let connections = 0;
  const server = createServer((socket: Socket) => {
    connections++;
    let buffered = '';
    socket.on('data', (d) => {
      buffered += d.toString('latin1');
      for (let end = buffered.indexOf('\r\n\r\n'); end >= 0; end = buffered.indexOf('\r\n\r\n')) {
        const [method, path] = buffered.slice(0, end).split(' ');
        buffered = buffered.slice(end + 4);
        const found = path === '/v2/app/manifests/v1';
        const head = [
          `HTTP/1.1 ${found ? '200 OK' : '404 Not Found'}`,
          `content-type: ${found ? OCI_MANIFEST : 'application/json'}`,
          ...(found ? [`docker-content-digest: ${digest}`] : []),
          `content-length: ${found ? manifest.length : 2}`,
          '',
          '',
        ].join('\r\n');
        const body = found ? manifest : Buffer.from('{}');
        socket.write(
          method === 'HEAD' && !bodyToHead ? head : Buffer.concat([Buffer.from(head), body]),
        );
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const { port } = server.address() as { port: number };
  return { host: `127.0.0.1:${port}`, connections: () => connections };
}

t.test('HEADs keep their connection', async (t) => {
  const reg = await rawRegistry(t, false);
  const client = createClient({ plainHttp: true });
  t.teardown(() => client.close());
  const repo = client.repository(parseReference(`${reg.host}/app`));
  for (let i = 0; i < 3; i++) t.equal((await repo.manifests.head('v1'))?.digest, digest);
  t.equal(await repo.manifests.head('v2'), undefined, 'a 404 HEAD');
  t.equal((await repo.manifests.get('v1')).descriptor.digest, digest);
  // undici may open a second connection while the first waits a turn of the event loop
  // before its reuse; closing after each HEAD would take four.
  t.ok(reg.connections() <= 2, `five requests, ${reg.connections()} connections`);
});

t.test('a body sent to a HEAD: the next request on that connection is retried', async (t) => {
  const reg = await rawRegistry(t, true);
  const client = createClient({ plainHttp: true, retry: { sleep: async () => {} } });
  t.teardown(() => client.close());
  const repo = client.repository(parseReference(`${reg.host}/app`));
  t.equal((await repo.manifests.head('v1'))?.digest, digest, 'the HEAD is answered');
  const got = await repo.manifests.get('v1');
  t.equal(got.descriptor.digest, digest, 'the GET after it succeeds');
  t.ok(reg.connections() >= 2, `on a new connection (${reg.connections()})`);
});
