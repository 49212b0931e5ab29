/**
 * The floor: what raw HTTP costs without a client doing any work. Every blob is streamed
 * with curl (GET | PUT, 4 at once, no hashing on the client), then the manifest is PUT.
 */

/** floorScript is a bash script: `floor.sh SRC_HOST DST_HOST REPO TAG MANIFEST_FILE`. */
export function floorScript(): string {
  return `#!/usr/bin/env bash
set -euo pipefail
src=$1 dst=$2 repo=$3 tag=$4 manifest=$5
copy_blob() {
  local d=$1 loc
  loc=$(curl -sfi -X POST "http://$dst/v2/$repo/blobs/uploads/" | tr -d '\\r' | awk -F': ' 'tolower($1)=="location"{print $2}')
  case $loc in http*) ;; *) loc="http://$dst$loc" ;; esac
  curl -sf "http://$src/v2/$repo/blobs/$d" | curl -sf -T - -X PUT -H 'Content-Type: application/octet-stream' "$loc&digest=$d" -o /dev/null
}
export -f copy_blob; export src dst repo
jq -r '.config.digest, .layers[].digest' "$manifest" | xargs -P 4 -I{} bash -c 'copy_blob {}'
curl -sf -X PUT -H "Content-Type: $(jq -r .mediaType "$manifest")" --data-binary @"$manifest" "http://$dst/v2/$repo/manifests/$tag" -o /dev/null
`;
}

/**
 * mountFloorScript is the same-registry floor with curl: `mount-floor.sh HOST FROM TO TAG
 * MANIFEST_FILE` — every blob mounted (4 at once), then the manifest PUT under its tag.
 */
export function mountFloorScript(): string {
  return `#!/usr/bin/env bash
set -euo pipefail
host=$1 from=$2 to=$3 tag=$4 manifest=$5
export host from to
jq -r '.config.digest, .layers[].digest' "$manifest" |
  xargs -P 4 -I{} curl -sf -X POST "http://$host/v2/$to/blobs/uploads/?mount={}&from=$from" -o /dev/null
curl -sf -X PUT -H "Content-Type: $(jq -r .mediaType "$manifest")" --data-binary @"$manifest" "http://$host/v2/$to/manifests/$tag" -o /dev/null
`;
}

/**
 * NODE_FLOOR is a Node program doing what a same-registry copy needs and nothing else,
 * with undici's Agent as the CLI bundles it: GET the manifest, HEAD it at the target,
 * mount every blob (4 at once), PUT the manifest under its tag. `node node-floor.mjs HOST
 * FROM TO TAG`. bench/run.ts bundles it as scripts/bundle/build.mjs does the CLI, so the
 * row shows what Node and undici alone cost here, start-up included.
 */
export const NODE_FLOOR = `import { setFlagsFromString } from 'node:v8';
import { Agent } from './scripts/bundle/undici.mjs';
setFlagsFromString('--liftoff-only');
const [host, from, to, tag] = process.argv.slice(2);
const agent = new Agent({ connections: 4 });
const origin = 'http://' + host;
const call = async (method, path, headers = {}, body = null) => {
  const res = await agent.request({ origin, method, path, headers, body, reset: method === 'HEAD' ? false : undefined });
  const bytes = Buffer.from(await res.body.arrayBuffer());
  if (res.statusCode >= 400 && !(method === 'HEAD' && res.statusCode === 404)) throw new Error(method + ' ' + path + ' ' + res.statusCode);
  return { res, bytes };
};
const accept = 'application/vnd.oci.image.manifest.v1+json,application/vnd.docker.distribution.manifest.v2+json';
const { res, bytes } = await call('GET', '/v2/' + from + '/manifests/' + tag, { accept });
const manifest = JSON.parse(bytes.toString());
await call('HEAD', '/v2/' + to + '/manifests/' + res.headers['docker-content-digest']);
const blobs = [manifest.config, ...manifest.layers].map((d) => d.digest);
for (let i = 0; i < blobs.length; i += 4) {
  await Promise.all(blobs.slice(i, i + 4).map((d) => call('POST', '/v2/' + to + '/blobs/uploads/?mount=' + d + '&from=' + from)));
}
await call('PUT', '/v2/' + to + '/manifests/' + tag, { 'content-type': manifest.mediaType }, bytes);
await agent.close();
`;
