/**
 * Keeping a long copy's memory flat. Every streamed chunk is a fresh Buffer, and V8
 * frees Buffers only when it collects garbage, which it does late for memory outside
 * its heap: left alone, tens of MiB of dead chunks pile up before a collection. A
 * young-generation collection every 8 MiB streamed frees them at the rate they are
 * made, for less CPU than the collections V8 would run anyway (measured: peak RSS of a
 * 512 MiB copy 110 → 82 MiB, client CPU unchanged).
 *
 * This is the process owner's business, so it lives in the CLI: bin.ts enables
 * `--expose-gc`; without it (the library used in-process, tests) this does nothing.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { CopyEvent } from '../lib/index.js';

/** Bytes streamed between two young-generation collections. */
const EVERY = 8 * 1024 * 1024;

type Gc = (options?: { type: 'minor' | 'major' }) => void;

/**
 * lazyGc returns the collector `--expose-gc` exposes, looked up on first use (a new VM
 * context costs ~5 ms of start-up that a small command never needs); without the flag
 * the calls do nothing.
 */
function lazyGc(): Gc {
  let gc: Gc | null | undefined;
  return (options) => {
    if (gc === undefined) {
      try {
        gc = runInNewContext('gc') as Gc;
      } catch {
        gc = null; // --expose-gc is not set
      }
    }
    // No options: the full collection; an options object would make it another kind.
    if (options) gc?.(options);
    else gc?.();
  };
}

/**
 * streamedGarbageCollector returns a copy-event listener that collects as bytes stream.
 */
export function streamedGarbageCollector(): (e: CopyEvent) => void {
  const gc = lazyGc();
  const seen = new Map<string, number>();
  let since = 0;
  return (e) => {
    if (e.type === 'blob') seen.delete(e.descriptor.digest);
    if (e.type !== 'blob-progress') return;
    since += e.bytes - (seen.get(e.descriptor.digest) ?? 0);
    seen.set(e.descriptor.digest, e.bytes);
    if (since >= EVERY) {
      since = 0;
      gc({ type: 'minor' });
    }
  };
}

/** Entries between two full collections in a batch. */
const ENTRIES_PER_COLLECTION = 48;

/**
 * batchCollector keeps a batch's resident memory flat in its number of entries, though
 * what the batch holds barely grows (a few KiB of results per entry): left alone, V8
 * grows the young generation to 32 MiB while the process allocates fast, and lets
 * garbage pile up in the old one. It keeps the young generation at its starting size
 * (this flag, unlike the size flags, is read as the heap grows, so it works set now) and
 * returns a function to call after each entry: every 48th runs a full collection — the
 * one `gc()` runs without options; `{ type: 'major' }` left the peak growing. Measured
 * with 200-400 small promotions: peak RSS 80 MiB at 50 entries, 82 at 200, 84 at 300
 * (was 87, 123, and 110 at 400), client CPU unchanged within noise.
 */
export function batchCollector(): () => void {
  setFlagsFromString('--semi-space-growth-factor=1');
  const gc = lazyGc();
  let entries = 0;
  return () => {
    if (++entries % ENTRIES_PER_COLLECTION === 0) gc();
  };
}
