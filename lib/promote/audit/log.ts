/**
 * The audit log (`--audit-log FILE`): one JSON line per event, appended so that
 * concurrent writers (processes or promises) never interleave inside a line.
 */
import { open } from 'node:fs/promises';
import { OciPromoteError, UsageError } from '../../errors.js';
import type { AuditEvent } from './event.js';

/** AuditLogError: the audit log file could not be opened or written. */
export class AuditLogError extends OciPromoteError {
  override readonly code = 'ERR_AUDIT_LOG';
  constructor(
    readonly path: string,
    cause: unknown,
  ) {
    super(cannotAppend(path, cause), { cause });
  }
}

function cannotAppend(path: string, e: unknown): string {
  const reason = (e as NodeJS.ErrnoException)?.code ?? (e instanceof Error ? e.message : String(e));
  return `cannot append to audit log ${path}: ${reason}`;
}

/**
 * appendAuditLog appends the event to the file at `path` as one line: the file is
 * opened with O_APPEND (created with mode 0644 when missing, less the umask) and the
 * line is handed to one `write`, so concurrent writers never interleave inside a line.
 * The folder must exist. Throws AuditLogError.
 */
export async function appendAuditLog(path: string, event: AuditEvent): Promise<void> {
  const line = Buffer.from(`${JSON.stringify(event)}\n`, 'utf8');
  let fh: Awaited<ReturnType<typeof open>>;
  try {
    fh = await open(path, 'a', 0o644);
  } catch (e) {
    throw new AuditLogError(path, e);
  }
  try {
    let offset = 0;
    // One write for a regular file; the loop only guards against a short write.
    while (offset < line.length) {
      const { bytesWritten } = await fh.write(line, offset, line.length - offset);
      offset += bytesWritten;
    }
  } catch (e) {
    throw new AuditLogError(path, e);
  } finally {
    await fh.close().catch(() => {});
  }
}

/**
 * checkAuditLog opens the file for appending (creating it, empty, when missing) and
 * closes it: call it before an action so an unwritable `--audit-log` path refuses the
 * run (UsageError, exit 2) instead of failing after tags have moved.
 */
export async function checkAuditLog(path: string): Promise<void> {
  try {
    const fh = await open(path, 'a', 0o644);
    await fh.close();
  } catch (e) {
    throw new UsageError(cannotAppend(path, e), { cause: e });
  }
}
