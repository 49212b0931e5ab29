/**
 * `npm run bench`: copy speed side by side, in one run, on local registries.
 *
 * - cross-registry copy of a 512 MiB, 8-layer image into a fresh registry:
 *   oci-promote vs `skopeo copy --preserve-digests` vs a floor of raw curl streaming
 *   GET → PUT, 4 blobs at a time, no client hashing;
 * - same-registry copy into a new repository (blobs are mounted);
 * - a no-op re-copy of an image the destination already has.
 *
 * Each figure is the median of BENCH_RUNS runs (default 3). Wall time, client CPU
 * seconds (user + sys) and peak RSS come from GNU time; request counts from the
 * destination registry's access log. It prints a Markdown table and exits non-zero
 * only on a crash: it is a measurement, not a test.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { writeRandomImage } from '../test/helpers/random.js';
import { type Registry, startRegistry } from '../test/helpers/registry.js';
import { pushLayout, skopeoDigest } from '../test/helpers/seed.js';

const runs = Number(process.env.BENCH_RUNS ?? 3);
const layers = 8;
const layerSize = 64 * 1024 * 1024;
const bin = fileURLToPath(new URL('../cli/bin.js', import.meta.url));
const exec = promisify(execFile);

interface Sample {
  wall: number;
  cpu: number;
  rssMiB: number;
  requests: number;
}

interface Row {
  scenario: string;
  tool: string;
  samples: Sample[];
}

/** timed runs a command under GNU time and returns wall, CPU and peak RSS. */
async function timed(cmd: string, args: string[]): Promise<Omit<Sample, 'requests'>> {
  const started = performance.now();
  const child = spawn('/usr/bin/time', ['-f', 'BENCH %U %S %M', cmd, ...args], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => {
    stderr += c.toString();
  });
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  const wall = (performance.now() - started) / 1000;
  const m = /BENCH ([\d.]+) ([\d.]+) (\d+)/.exec(stderr);
  if (code !== 0 || !m) throw new Error(`${cmd} ${args.join(' ')} failed (${code}):\n${stderr}`);
  return { wall, cpu: Number(m[1]) + Number(m[2]), rssMiB: Number(m[3]) / 1024 };
}

/** measure runs one copy against `dst`, counting what the destination served. */
async function measure(dst: Registry, cmd: string, args: string[]): Promise<Sample> {
  await dst.resetRequests();
  const t = await timed(cmd, args);
  return { ...t, requests: (await dst.settledRequests()).length };
}

const ours = (src: string, dst: string) => [bin, 'copy', '--plain-http', '--quiet', src, dst];
const skopeo = (src: string, dst: string) => [
  'copy',
  '--quiet',
  '--preserve-digests',
  '--src-tls-verify=false',
  '--dest-tls-verify=false',
  `docker://${src}`,
  `docker://${dst}`,
];

/** floorScript streams every blob with curl (GET | PUT, 4 at once), then PUTs the manifest. */
function floorScript(): string {
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

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

async function main(): Promise<void> {
  const work = await mkdtemp(join(tmpdir(), 'oci-promote-bench-'));
  const registries: Registry[] = [];
  const fresh = async (): Promise<Registry> => {
    const r = await startRegistry();
    registries.push(r);
    return r;
  };
  const rows: Row[] = [];
  const row = (scenario: string, tool: string): Row => {
    const found = rows.find((x) => x.scenario === scenario && x.tool === tool);
    if (found) return found;
    const r: Row = { scenario, tool, samples: [] };
    rows.push(r);
    return r;
  };
  try {
    process.stderr.write(
      `generating a ${layers}-layer image of ${(layers * layerSize) / 2 ** 20} MiB…\n`,
    );
    const image = await writeRandomImage(join(work, 'layout'), {
      seed: 'bench',
      layers,
      layerSize,
      tag: 'v1',
      format: 'raw',
    });
    const manifestFile = join(work, 'manifest.json');
    await writeFile(manifestFile, image.manifestBytes);
    const script = join(work, 'floor.sh');
    await writeFile(script, floorScript(), { mode: 0o755 });

    const src = await fresh();
    await pushLayout(src, join(work, 'layout'), 'v1', 'bench/app', 'v1');
    const source = `${src.host}/bench/app:v1`;
    const cross = `cross-registry copy, ${layers} × 64 MiB`;

    for (let i = 0; i < runs; i++) {
      process.stderr.write(`run ${i + 1}/${runs}\n`);
      // Rotate the order so no tool always runs first (cold caches, warm CPU).
      const tools = [
        ['oci-promote', process.execPath, (d: string) => ours(source, d)],
        ['skopeo', 'skopeo', (d: string) => skopeo(source, d)],
        [
          'floor: curl GET → PUT, 4 at once',
          'bash',
          (d: string) => [script, src.host, d.split('/')[0]!, 'bench/app', 'v1', manifestFile],
        ],
      ] as const;
      for (let k = 0; k < tools.length; k++) {
        const [name, cmd, args] = tools[(i + k) % tools.length]!;
        // A fresh registry each time: skopeo's blob-info cache would otherwise mount
        // from an earlier run's repository.
        const dst = await fresh();
        const target = `${dst.host}/bench/app:v1`;
        row(cross, name).samples.push(await measure(dst, cmd, args(target)));
        const got = await skopeoDigest(dst, 'bench/app:v1');
        if (got !== image.digest)
          throw new Error(`${name} produced ${got}, expected ${image.digest}`);
        if (name === 'oci-promote' || name === 'skopeo') {
          row('no-op re-copy (already there)', name).samples.push(
            await measure(dst, cmd, args(target)),
          );
        }
        await dst.stop();
      }

      const same = await fresh();
      await pushLayout(same, join(work, 'layout'), 'v1', 'staging/app', 'v1');
      row('same-registry copy (mount)', 'oci-promote').samples.push(
        await measure(
          same,
          process.execPath,
          ours(`${same.host}/staging/app:v1`, `${same.host}/prod/app:v1`),
        ),
      );
      await same.stop();
    }

    const { stdout: skopeoVersion } = await exec('skopeo', ['--version']);
    const cpu = cpus()[0]?.model ?? 'unknown CPU';
    const lines = [
      `oci-promote benchmark — ${cpus().length} × ${cpu}, Node ${process.version}, ${skopeoVersion.trim()}, median of ${runs} run(s)`,
      '',
      '| scenario | tool | wall (s) | client CPU (s) | peak RSS (MiB) | requests at destination |',
      '|---|---|---:|---:|---:|---:|',
      ...rows.map((r) => {
        const m = (f: (s: Sample) => number) => median(r.samples.map(f));
        return `| ${r.scenario} | ${r.tool} | ${m((s) => s.wall).toFixed(2)} | ${m((s) => s.cpu).toFixed(2)} | ${m((s) => s.rssMiB).toFixed(0)} | ${m((s) => s.requests)} |`;
      }),
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    await Promise.all(registries.map((r) => r.stop()));
    await rm(work, { recursive: true, force: true });
  }
}

await main();
