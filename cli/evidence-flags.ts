/**
 * The flags the evidence commands (attest, hold, release, freeze, unfreeze) share, and
 * the reading of `--details FILE`. Every value is checked before any request is sent:
 * bad input exits 2 and writes nothing.
 */
import { open } from 'node:fs/promises';
import type { Argv } from 'yargs';
import { MAX_DETAILS, UsageError } from '../lib/index.js';
import type { GlobalArgs } from './runtime.js';

/** EvidenceFlags are the flags every evidence command takes. */
export type EvidenceFlags = GlobalArgs & {
  dryRun: boolean;
  auditLog?: string;
  notifyUrl?: string;
};

/** withEvidenceFlags adds `--dry-run`, `--audit-log` and `--notify-url`. */
export function withEvidenceFlags<T>(y: Argv<T>, noun: string): Argv<T & EvidenceFlags> {
  return y
    .option('dry-run', {
      type: 'boolean',
      default: false,
      describe: 'check everything and say what would be written; write nothing',
    })
    .option('audit-log', {
      type: 'string',
      describe: `append one JSON line per ${noun} to this file`,
    })
    .option('notify-url', {
      type: 'string',
      describe: 'POST a JSON message (Slack-compatible "text") on success and failure',
    }) as unknown as Argv<T & EvidenceFlags>;
}

/**
 * readDetails reads `--details FILE`: a JSON object of at most 64 KiB (MAX_DETAILS).
 * Reading stops past the limit, so a huge file costs no more than that. UsageError
 * (exit 2) for anything else.
 */
export async function readDetails(path: string): Promise<Record<string, unknown>> {
  let bytes: Buffer;
  try {
    const fh = await open(path, 'r');
    try {
      const buffer = Buffer.alloc(MAX_DETAILS + 1);
      let length = 0;
      while (length < buffer.length) {
        const { bytesRead } = await fh.read(buffer, length, buffer.length - length, null);
        if (bytesRead === 0) break;
        length += bytesRead;
      }
      bytes = buffer.subarray(0, length);
    } finally {
      await fh.close();
    }
  } catch (e) {
    const reason = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
    throw new UsageError(`cannot read --details ${path}: ${reason}`);
  }
  if (bytes.length > MAX_DETAILS) {
    throw new UsageError(`--details ${path} is larger than ${MAX_DETAILS / 1024} KiB`);
  }
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch (e) {
    throw new UsageError(`--details ${path} is not JSON: ${(e as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    const kind = value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value;
    throw new UsageError(`--details ${path} must hold a JSON object, not ${kind}`);
  }
  return value as Record<string, unknown>;
}
