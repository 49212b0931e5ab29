/**
 * The start-up rows of `npm run bench` (issue 12): `oci-promote --version` and `--help`
 * next to bare `node -e 0`, in alternating rounds; the goal is a difference of at most
 * 0.04 s, taken round by round (the machine's load moves all three alike).
 */

import type { BenchContext } from './batch.js';
import { median, timed } from './measure.js';

export const STARTUP = 'start-up (no registry)';
const CASES = [
  ['node -e 0', ['-e', '0']],
  ['oci-promote --version', ['--version']],
  ['oci-promote --help', ['--help']],
] as const;

/** startupRows times each case `rounds` times, rotating the order every round. */
export async function startupRows(ctx: BenchContext, rounds = 11): Promise<string[]> {
  const diffs: Record<string, number[]> = Object.fromEntries(CASES.map(([n]) => [n, []]));
  for (let i = 0; i < rounds; i++) {
    const round: Record<string, number> = {};
    for (let k = 0; k < CASES.length; k++) {
      const [name, args] = CASES[(i + k) % CASES.length]!;
      const bin = name === 'node -e 0' ? [] : [ctx.bin];
      const sample = await timed(process.execPath, [...bin, ...args]);
      ctx.row(STARTUP, name).samples.push({ ...sample, requests: 0 });
      round[name] = sample.wall;
    }
    for (const [name] of CASES.slice(1)) {
      diffs[name]!.push(round[name]! - round['node -e 0']!);
    }
  }
  return CASES.slice(1).map(([name]) => {
    const d = median(diffs[name]!);
    return `| ${name} ≤ node -e 0 + 0.04 s (median of same-round differences) | +${d.toFixed(3)} s | ${d <= 0.04 ? 'met' : 'NOT met'} |`;
  });
}
