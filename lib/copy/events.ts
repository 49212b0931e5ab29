/**
 * Events a copy reports while it runs. Progress display, logging and audit listen to
 * these; the engine itself does no printing (oras-go CopyGraphOptions hooks).
 */
import type { Descriptor } from '../manifest.js';

/** CopyEvent is one thing that happened during a copy. */
export type CopyEvent =
  /** A blob the copy will deal with (once per digest, before any transfer): progress totals. */
  | { type: 'blob-queued'; descriptor: Descriptor }
  | { type: 'blob-start'; descriptor: Descriptor }
  | { type: 'blob-progress'; descriptor: Descriptor; bytes: number }
  | { type: 'blob'; descriptor: Descriptor; action: 'copied' | 'mounted' | 'skipped' }
  | { type: 'manifest'; descriptor: Descriptor; action: 'copied' | 'skipped' }
  | { type: 'retry'; what: string; attempt: number; error: Error }
  | { type: 'warning'; message: string };

/** CopyEventListener receives events; it must not throw. */
export type CopyEventListener = (event: CopyEvent) => void;
