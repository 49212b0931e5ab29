/**
 * scriptedServer: a real `node:http` server on 127.0.0.1, port 0, that answers requests
 * by playing a script of expected steps in order (npm-registry-fetch's `tnock` idea).
 * An unexpected request fails the test and is answered 418; steps left unplayed fail
 * the test in teardown. Every request is recorded for assertions.
 */
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Test } from 'tap';
import type { RegistryRequest } from '../../lib/transport/types.js';

/** RecordedRequest is one request the server received. */
export interface RecordedRequest {
  method: string;
  /** Path with query, as sent. */
  path: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** Reply is how a step answers. */
export interface Reply {
  status: number;
  headers?: Record<string, string | string[]>;
  /** A string or Buffer is sent as is; anything else as JSON. */
  body?: string | Buffer | object;
  /** Destroy the socket instead of answering (a connection reset). */
  destroy?: boolean;
  /** Write the answer by hand (a body that trickles, stalls or breaks off); nothing else is sent. */
  write?: (res: ServerResponse) => void | Promise<void>;
}

/** ScriptStep is one expected request and its answer. */
export interface ScriptStep {
  method: string;
  /** Exact path with query, a RegExp tested against it, or a predicate. */
  path: string | RegExp | ((path: string) => boolean);
  /** Runs before replying; assertions go through the test. */
  check?: (req: RecordedRequest) => void;
  reply: Reply | ((req: RecordedRequest) => Reply | Promise<Reply>);
  /** How many consecutive requests this step answers (default 1). */
  times?: number;
}

/** ScriptedServer is a running scripted server. */
export interface ScriptedServer {
  /** `http(s)://<address>:<port>` */
  url: string;
  /** `<address>:<port>`, usable as a registry name with plainHttp. */
  host: string;
  requests: RecordedRequest[];
  /** add appends steps to the script. */
  add(...steps: ScriptStep[]): void;
  /** pending lists the steps not yet played. */
  pending(): string[];
}

function describeStep(s: ScriptStep): string {
  return `${s.method} ${typeof s.path === 'function' ? '<predicate>' : String(s.path)}`;
}

function matches(step: ScriptStep, method: string, path: string): boolean {
  if (step.method !== method) return false;
  if (typeof step.path === 'string') return step.path === path;
  if (step.path instanceof RegExp) return step.path.test(path);
  return step.path(path);
}

/** scriptedServer starts a server for test `t`; it is closed and checked in teardown. */
export async function scriptedServer(
  t: Test,
  steps: ScriptStep[] = [],
  opts: {
    name?: string;
    /** Address to listen on (default 127.0.0.1; 127.0.0.2 is another host). */
    host?: string;
    /** Serve https with this key and certificate (PEM). */
    tls?: { key: string; cert: string };
  } = {},
): Promise<ScriptedServer> {
  const name = opts.name ?? 'scripted server';
  const script: Array<{ step: ScriptStep; left: number }> = [];
  const requests: RecordedRequest[] = [];
  const add = (...more: ScriptStep[]) => {
    for (const step of more) script.push({ step, left: step.times ?? 1 });
  };
  add(...steps);

  const send = (res: ServerResponse, reply: Reply) => {
    if (reply.destroy) {
      res.socket?.destroy();
      return;
    }
    if (reply.write) {
      Promise.resolve(reply.write(res)).catch(() => res.socket?.destroy());
      return;
    }
    const body =
      reply.body === undefined
        ? undefined
        : typeof reply.body === 'string' || Buffer.isBuffer(reply.body)
          ? reply.body
          : JSON.stringify(reply.body);
    const headers: Record<string, string | string[]> = { ...reply.headers };
    if (
      body !== undefined &&
      typeof reply.body === 'object' &&
      !Buffer.isBuffer(reply.body) &&
      !Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')
    ) {
      headers['content-type'] = 'application/json';
    }
    const named = (h: string) => Object.keys(headers).some((k) => k.toLowerCase() === h);
    if (body !== undefined && !named('content-length') && !named('transfer-encoding')) {
      headers['content-length'] = String(Buffer.byteLength(body));
    }
    res.writeHead(reply.status, headers);
    res.end(body);
  };

  const handler = (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('error', () => {});
    req.on('end', async () => {
      const rec: RecordedRequest = {
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks),
      };
      requests.push(rec);
      const next = script[0];
      if (!next || !matches(next.step, rec.method, rec.path)) {
        t.fail(
          `${name}: unexpected request ${rec.method} ${rec.path}; expected ${next ? describeStep(next.step) : 'nothing more'}`,
        );
        send(res, {
          status: 418,
          body: { errors: [{ code: 'SCRIPT', message: 'unexpected request' }] },
        });
        return;
      }
      next.left--;
      if (next.left === 0) script.shift();
      try {
        next.step.check?.(rec);
        const reply =
          typeof next.step.reply === 'function' ? await next.step.reply(rec) : next.step.reply;
        send(res, reply);
      } catch (e) {
        t.fail(`${name}: step ${describeStep(next.step)} failed: ${(e as Error).message}`);
        send(res, { status: 418, body: { errors: [{ code: 'SCRIPT', message: 'step failed' }] } });
      }
    });
  };
  const server = opts.tls ? createHttpsServer(opts.tls, handler) : createServer(handler);
  const address = opts.host ?? '127.0.0.1';
  await new Promise<void>((resolve) => server.listen(0, address, resolve));
  const { port } = server.address() as AddressInfo;

  t.teardown(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const left = script.map((s) => `${describeStep(s.step)} (x${s.left})`);
    if (left.length > 0) {
      throw new Error(`${name}: scripted steps not played: ${left.join(', ')}`);
    }
  });

  return {
    url: `${opts.tls ? 'https' : 'http'}://${address}:${port}`,
    host: `${address}:${port}`,
    requests,
    add,
    pending: () => script.map((s) => describeStep(s.step)),
  };
}

/** pingRequest is a transport request for `GET /v2/` of `registry`, answered 200. */
export const pingRequest = (registry: string): RegistryRequest => ({
  registry,
  method: 'GET',
  path: '/v2/',
  scopes: [],
  expect: [200],
  what: `ping ${registry}`,
});
