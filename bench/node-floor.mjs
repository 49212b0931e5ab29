// The same-registry floor in Node: what a same-registry copy needs and nothing else, with
// undici's Agent as the CLI bundles it — GET the manifest, HEAD it at the target, mount
// every blob (4 at once), PUT the manifest under its tag. bench/run.ts bundles this file as
// scripts/bundle/build.mjs does the CLI, so its row shows what Node and undici alone cost
// here, start-up included. `node node-floor.mjs HOST FROM TO TAG`
import { floorAgent } from './floor-http.mjs';

const [host, from, to, tag] = process.argv.slice(2);
const agent = floorAgent(4);
const call = (method, path, headers, body) => agent.call(host, method, path, headers, body);
const accept =
  'application/vnd.oci.image.manifest.v1+json,application/vnd.docker.distribution.manifest.v2+json';
const { res, bytes } = await call('GET', `/v2/${from}/manifests/${tag}`, { accept });
const manifest = JSON.parse(bytes.toString());
await call('HEAD', `/v2/${to}/manifests/${res.headers['docker-content-digest']}`);
const blobs = [manifest.config, ...manifest.layers].map((d) => d.digest);
for (let i = 0; i < blobs.length; i += 4) {
  await Promise.all(
    blobs
      .slice(i, i + 4)
      .map((d) => call('POST', `/v2/${to}/blobs/uploads/?mount=${d}&from=${from}`)),
  );
}
await call('PUT', `/v2/${to}/manifests/${tag}`, { 'content-type': manifest.mediaType }, bytes);
await agent.close();
