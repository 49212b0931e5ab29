/** Stream plumbing of the proxy: header forwarding, byte counting, corruption, pumping. */
import type { IncomingHttpHeaders, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { type Readable, Transform, type TransformCallback } from 'node:stream';

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'upgrade', 'te']);

export function forwardHeaders(headers: IncomingHttpHeaders): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  for (const [k, v] of Object.entries(headers)) {
    if (v !== undefined && !HOP_BY_HOP.has(k)) out[k] = v;
  }
  return out;
}

/** Counts bytes through; after `limit` bytes (if given) calls `onLimit` once and passes nothing more. */
export class Counter extends Transform {
  count = 0;
  constructor(
    private readonly onBytes: (n: number) => void,
    private readonly limit?: number,
    private readonly onLimit?: () => void,
  ) {
    super();
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    if (this.limit !== undefined) {
      const room = this.limit - this.count;
      if (room <= 0) {
        done();
        return;
      }
      if (chunk.length >= room) {
        const part = chunk.subarray(0, room);
        this.count += part.length;
        this.onBytes(part.length);
        this.push(part);
        done();
        this.onLimit?.();
        return;
      }
    }
    this.count += chunk.length;
    this.onBytes(chunk.length);
    done(null, chunk);
  }
}

/** Flips the byte at body offset `at`. */
export class Corrupter extends Transform {
  #pos = 0;
  constructor(private readonly at: number) {
    super();
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    const end = this.#pos + chunk.length;
    if (this.at >= this.#pos && this.at < end) {
      const copy = Buffer.from(chunk);
      const i = this.at - this.#pos;
      copy[i] = copy[i]! ^ 0xff;
      chunk = copy;
    }
    this.#pos = end;
    done(null, chunk);
  }
}

export const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });

/** pump copies `src` into `res` with backpressure, counting bytes; stops when either side ends. */
export async function pump(src: Readable, res: ServerResponse, onBytes: (n: number) => void) {
  res.on('error', () => {});
  await new Promise<void>((resolve) => {
    let finished = false;
    const end = () => {
      if (finished) return;
      finished = true;
      resolve();
    };
    src.on('data', (chunk: Buffer) => {
      onBytes(chunk.length);
      if (!res.write(chunk)) {
        src.pause();
        res.once('drain', () => src.resume());
      }
    });
    src.on('end', () => {
      res.end();
      end();
    });
    src.on('error', () => {
      res.destroy();
      end();
    });
    res.on('close', () => {
      src.destroy();
      end();
    });
  });
}
