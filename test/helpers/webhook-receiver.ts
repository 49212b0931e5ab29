/**
 * A webhook receiver for `--notify-url` tests: a real HTTP (or, given a certificate,
 * HTTPS) server on a free loopback port that keeps every JSON body it is sent.
 */
import { once } from 'node:events';
import { createServer as createHttp, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttps } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Json } from './cli.js';

/** Receiver: where it listens (`http[s]://127.0.0.1:PORT`) and what it was sent. */
export interface Receiver {
  origin: string;
  received: Json[];
}

/** startWebhookReceiver starts a receiver, closed when `t` ends. */
export async function startWebhookReceiver(
  t: { teardown(fn: () => unknown): void },
  tls?: { cert: string; key: string },
): Promise<Receiver> {
  const received: Json[] = [];
  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      res.writeHead(200).end('ok');
    });
  };
  const srv = tls ? createHttps(tls, handle) : createHttp(handle);
  srv.listen(0, '127.0.0.1');
  await once(srv, 'listening');
  t.teardown(() => new Promise((r) => srv.close(r)));
  const port = (srv.address() as AddressInfo).port;
  return { origin: `${tls ? 'https' : 'http'}://127.0.0.1:${port}`, received };
}
