/**
 * Measuring one command: wall time, client CPU seconds (user + sys of the process and
 * its children) and peak RSS from GNU time; requests from the destination's access log.
 */
import { spawn } from 'node:child_process';
import type { Registry } from '../test/helpers/registry.js';

/** Sample is one measured run. */
export interface Sample {
  wall: number;
  cpu: number;
  rssMiB: number;
  requests: number;
}

/** timed runs a command under GNU time. */
export async function timed(
  cmd: string,
  args: readonly string[],
): Promise<Omit<Sample, 'requests'>> {
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

/** measure runs one command against `dst`, counting the requests the destination served. */
export async function measure(
  dst: Registry,
  cmd: string,
  args: readonly string[],
): Promise<Sample> {
  await dst.resetRequests();
  const t = await timed(cmd, args);
  return { ...t, requests: (await dst.settledRequests()).length };
}

/** median of a non-empty list. */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** skopeoCopy: the peer's arguments, the same in every row (digests kept, plain HTTP). */
export const skopeoCopy = (src: string, dst: string): string[] => [
  'copy',
  '--quiet',
  '--preserve-digests',
  '--src-tls-verify=false',
  '--dest-tls-verify=false',
  `docker://${src}`,
  `docker://${dst}`,
];
