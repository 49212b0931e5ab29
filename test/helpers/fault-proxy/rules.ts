/** Which fault, if any, a request gets: the rules in order, with a seeded RNG. */
import type { FaultAction, FaultRule, ProxyRequestInfo } from './types.js';

/** mulberry32: a small seeded PRNG with values in [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A rule with its counters: requests matched, faults fired. */
export interface LiveRule {
  rule: FaultRule;
  seen: number;
  fired: number;
}

/** chooseFault returns the first rule that fires for `info`, and its action. */
export function chooseFault(
  rules: readonly LiveRule[],
  info: ProxyRequestInfo,
  random: () => number,
): { rule: LiveRule; action: FaultAction } | undefined {
  for (const live of rules) {
    const r = live.rule;
    if (r.method !== undefined) {
      const methods = typeof r.method === 'string' ? [r.method] : r.method;
      if (!methods.includes(info.method)) continue;
    }
    if (r.path && !r.path.test(info.url)) continue;
    if (r.when && !r.when(info)) continue;
    live.seen++;
    if (r.times !== undefined && live.fired >= r.times) continue;
    let fire = true;
    if (r.nth !== undefined) {
      const nth = typeof r.nth === 'number' ? [r.nth] : r.nth;
      fire = nth.includes(live.seen);
    } else if (r.probability !== undefined) {
      fire = random() < r.probability;
    }
    if (!fire) continue;
    live.fired++;
    const action = typeof r.action === 'function' ? r.action(info, random) : r.action;
    return { rule: live, action };
  }
  return undefined;
}
