/**
 * Small text formatting helpers for human output.
 */

/** formatBytes renders a byte count with a binary unit: 512 B, 1.5 KiB, 12.3 MiB. */
export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${n} B` : `${v.toFixed(1)} ${units[i]}`;
}

/** formatDuration renders seconds for an ETA: `42s`, `3m05s`, `2h07m`. */
export function formatDuration(seconds: number): string {
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/**
 * done words an outcome for people: `copied` as it is, or in a dry run what would happen,
 * `would be copied` (docs/cli.md, dry runs). `unchanged` and `already present` stay as they
 * are: they are true of a dry run too.
 */
export function done(action: string, dryRun: boolean): string {
  return dryRun && action !== 'unchanged' ? `would be ${action}` : action;
}

// One short form of a digest for everything printed (lib/digest.ts): `sha256:0123456789ab`.
export { shortDigest } from '../lib/index.js';

/**
 * Characters that must never reach a terminal or a CI log raw from a registry: C0 controls
 * (line breaks that would start a workflow command line, ESC that starts a terminal
 * sequence), DEL, C1 controls (U+009B is a one-character CSI), the Unicode line and
 * paragraph separators, and the bidirectional marks and overrides that reorder what a
 * reader sees ("Trojan Source", CVE-2021-42574).
 */
const UNSAFE =
  /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** escapeChar renders one unsafe character visibly: `\n`, `\x1b`, `\u2028`. */
export function escapeChar(c: string): string {
  const named = NAMED[c];
  if (named) return named;
  const code = c.charCodeAt(0);
  // C0 as \xHH (JSON.stringify never leaves those raw, so a JSON line never holds one to
  // escape); the rest as \uHHHH, which is also a valid escape inside a JSON string.
  return code < 0x20
    ? `\\x${code.toString(16).padStart(2, '0')}`
    : `\\u${code.toString(16).padStart(4, '0')}`;
}

/**
 * escapeText makes untrusted text (anything a registry, a record or a receiver sent)
 * safe to print on one line: control characters, line separators and bidi overrides
 * become visible escapes (`\n`, `\r`, `\t`, `\x1b`, `\u202e`). Printable text, including
 * backslashes, is left as it is: the aim is a readable, inert line, not a reversible
 * encoding.
 */
export function escapeText(s: string): string {
  return s.replace(UNSAFE, escapeChar);
}
