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
