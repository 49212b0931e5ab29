// The promotion floor in Node: the requests `promote` makes for small images, each into a
// new repository, in the same order and as many at once — and nothing else: no checks, no
// plan, no parsing beyond the digests. bench/run.ts bundles it as scripts/bundle/build.mjs
// does the CLI, so its rows show what Node and undici alone cost for that exchange,
// start-up included. The read-back waits the 20 ms minimum after the version tag landed,
// as a promotion does (lib/promote/settle.ts).
//
//   node promote-floor.mjs SRC_HOST DST_HOST PARALLEL SEMVER VERSION FROM=TO...
//
// SEMVER 1 writes the floating tags (X.Y, X, latest) too, as `promote --semver` does.
import { createHash } from 'node:crypto';
import { floorAgent } from './floor-http.mjs';

const [srcHost, dstHost, parallel, semver, version, ...pairs] = process.argv.slice(2);
const { call, close } = floorAgent(8);
const sha256 = (b) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const OCI = 'application/vnd.oci.image.manifest.v1+json';
const INDEX = 'application/vnd.oci.image.index.v1+json';
const accept = `${OCI},application/vnd.docker.distribution.manifest.v2+json`;
const [major, minor] = version.split('.');
const floating = semver === '1' ? [`${major}.${minor}`, major, 'latest'] : [];

async function promote(from, to) {
  const upload = async (data) => {
    const { res } = await call(dstHost, 'POST', `/v2/${to}/blobs/uploads/`);
    const loc = new URL(res.headers.location, `http://${dstHost}`);
    loc.searchParams.set('digest', sha256(data));
    const type = { 'content-type': 'application/octet-stream' };
    await call(dstHost, 'PUT', `${loc.pathname}${loc.search}`, type, data);
  };
  const putManifest = (tag, type, bytes) =>
    call(dstHost, 'PUT', `/v2/${to}/manifests/${tag}`, { 'content-type': type }, bytes);

  const { bytes } = await call(srcHost, 'GET', `/v2/${from}/manifests/${version}`, { accept });
  await call(dstHost, 'GET', `/v2/${to}/tags/list?n=1000`);
  const manifest = JSON.parse(bytes.toString());
  const digest = sha256(bytes);
  await Promise.all(
    [manifest.config, ...manifest.layers].map(async (d) =>
      upload((await call(srcHost, 'GET', `/v2/${from}/blobs/${d.digest}`)).bytes),
    ),
  );
  await call(dstHost, 'HEAD', `/v2/${to}/manifests/${version}`);
  await putManifest(version, manifest.mediaType, bytes);
  const landed = performance.now();
  await Promise.all(floating.map((t) => putManifest(t, manifest.mediaType, bytes)));
  await new Promise((r) => setTimeout(r, Math.max(0, 20 - (performance.now() - landed))));
  await Promise.all([
    ...[version, ...floating].map((t) => call(dstHost, 'HEAD', `/v2/${to}/manifests/${t}`)),
    ...(floating.length > 0 ? [call(dstHost, 'GET', `/v2/${to}/tags/list?n=1000`)] : []),
  ]);
  const statement = Buffer.from(
    JSON.stringify({
      _type: 'https://in-toto.io/Statement/v1',
      subject: [{ digest: { sha256: digest.slice(7) } }],
      predicateType: 'https://oci-promote.dev/promotion/v1',
      predicate: { tags: [version, ...floating] },
    }),
  );
  await upload(statement);
  const desc = {
    mediaType: 'application/vnd.in-toto+json',
    digest: sha256(statement),
    size: statement.length,
  };
  const record = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI,
      artifactType: 'application/vnd.in-toto+json',
      config: desc,
      layers: [desc],
      subject: { mediaType: manifest.mediaType, digest, size: bytes.length },
    }),
  );
  await putManifest(`oci-promote-history.${Date.now()}`, OCI, record);
  const index = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: INDEX,
      manifests: [{ mediaType: OCI, digest: sha256(record), size: record.length }],
    }),
  );
  await putManifest(digest.replace(':', '-'), INDEX, index);
}

let next = 0;
const worker = async () => {
  for (let k = next++; k < pairs.length; k = next++) {
    const [from, to] = pairs[k].split('=');
    await promote(from, to);
  }
};
await Promise.all(Array.from({ length: Number(parallel) }, worker));
await close();
