/**
 * The fields of evidence records, checked the same way whether a user typed them (a bad
 * one is a UsageError, exit 2, before anything is written) or a registry served them
 * (a bad one makes the record unreadable, never a path or a command).
 */
import { UsageError } from '../errors.js';
import type { CheckResult } from './types.js';

/** Checks is a verification's list of named checks. */
export type Checks = { name: string; result: CheckResult }[];

const STAGE = /^[a-z0-9][a-z0-9._-]{0,63}$/;
/** Check names allow a little more (`http-latency p95`): printable, no control characters. */
const CHECK_NAME = /^[\w][\w .:/@+-]{0,127}$/;
/** At most this many checks in one verification. */
export const MAX_CHECKS = 100;
/** The longest reason or summary kept (they travel as annotations). */
export const MAX_TEXT = 1024;
/** The largest `details` document kept in a verification's predicate. */
export const MAX_DETAILS = 64 * 1024;

/** isStage tells whether `name` is a stage name (`staging`, `prod-eu`, `qa.1`). */
export function isStage(name: string): boolean {
  return STAGE.test(name);
}

/** parseStage checks a stage name given by a user. */
export function parseStage(name: string): string {
  if (!isStage(name)) {
    throw new UsageError(
      `stage names are lower-case letters, digits, '.', '_' and '-' (at most 64, starting with a letter or digit), got ${JSON.stringify(name)}`,
    );
  }
  return name;
}

/** parseResult checks `passed` or `failed`. */
export function parseResult(text: string, what = '--result'): CheckResult {
  if (text !== 'passed' && text !== 'failed') {
    throw new UsageError(`${what} is passed or failed, got ${JSON.stringify(text)}`);
  }
  return text;
}

/** parseCheck reads `NAME=passed|failed`. */
export function parseCheck(text: string): { name: string; result: CheckResult } {
  const at = text.lastIndexOf('=');
  const name = at > 0 ? text.slice(0, at) : '';
  if (!CHECK_NAME.test(name)) {
    throw new UsageError(
      `--check is NAME=passed|failed with a name of letters, digits, spaces and . : / @ + - (at most 128), got ${JSON.stringify(text)}`,
    );
  }
  return { name, result: parseResult(text.slice(at + 1), `--check ${name}`) };
}

/** checksOf parses the checks annotation; undefined unless every check is well formed. */
export function checksOf(json: string | undefined): Checks | undefined {
  let value: unknown;
  try {
    value = JSON.parse(json ?? '[]');
  } catch {
    return undefined;
  }
  if (!Array.isArray(value) || value.length > MAX_CHECKS) return undefined;
  const ok = value.every((c: unknown) => {
    const { name, result } = (c ?? {}) as { name?: unknown; result?: unknown };
    return (
      typeof name === 'string' &&
      CHECK_NAME.test(name) &&
      (result === 'passed' || result === 'failed')
    );
  });
  return ok ? (value as Checks) : undefined;
}

/** parseReason checks a reason or summary: required where `what` says, one line, bounded. */
export function parseText(text: string | undefined, what: string): string {
  const t = (text ?? '').trim();
  if (t === '') throw new UsageError(`${what} is required: say why`);
  if (t.length > MAX_TEXT) throw new UsageError(`${what} is longer than ${MAX_TEXT} characters`);
  if (/[\u0000-\u001f\u007f]/.test(t)) {
    throw new UsageError(`${what} must be one line of text without control characters`);
  }
  return t;
}

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** parseDuration reads `90s`, `30m`, `72h`, `7d` or a sum like `1h30m`, in milliseconds. */
export function parseDuration(text: string, what = '--max-age'): number {
  const parts = /^(?:\d+[smhd])+$/.test(text) ? text.match(/\d+[smhd]/g) : null;
  const ms = (parts ?? []).reduce(
    (sum, p) => sum + Number(p.slice(0, -1)) * UNIT_MS[p.at(-1)!]!,
    0,
  );
  if (!parts || ms <= 0 || !Number.isSafeInteger(ms)) {
    throw new UsageError(
      `${what} is a duration like 90s, 30m, 72h, 7d or 1h30m, got ${JSON.stringify(text)}`,
    );
  }
  return ms;
}

/** parseUntil reads an ISO 8601 time or a duration from `now`; it must be in the future. */
export function parseUntil(text: string, now: Date = new Date()): Date {
  const iso = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?$/;
  let at: Date;
  if (iso.test(text)) at = new Date(text);
  else {
    try {
      at = new Date(now.getTime() + parseDuration(text, '--until'));
    } catch {
      throw new UsageError(
        `--until is an ISO 8601 time (2026-12-24T18:00:00Z) or a duration from now (4h), got ${JSON.stringify(text)}`,
      );
    }
  }
  if (Number.isNaN(at.getTime()))
    throw new UsageError(`--until: ${JSON.stringify(text)} is not a time`);
  if (at.getTime() <= now.getTime()) {
    throw new UsageError(`--until ${text} is not in the future`);
  }
  return at;
}
