/** One request through the proxy: answered by a fault, or forwarded with one applied. */
import {
  type Agent,
  request as httpRequest,
  type IncomingMessage,
  type OutgoingHttpHeaders,
  type ServerResponse,
} from 'node:http';
import { Readable } from 'node:stream';
import type { LiveRule } from './rules.js';
import { Corrupter, Counter, forwardHeaders, pump, sleep } from './streams.js';
import type { FaultAction, InjectedFault, ProxiedRequest, ProxyRequestInfo } from './types.js';

/** What the handler needs from its proxy. */
export interface HandlerContext {
  target: URL;
  agent: Agent;
  upstreamHeaders: Record<string, string> | undefined;
  injected: InjectedFault[];
  choose: (info: ProxyRequestInfo) => { rule: LiveRule; action: FaultAction } | undefined;
}

/** handleRequest serves `req`, recording what happened in `rec`. */
export async function handleRequest(
  ctx: HandlerContext,
  req: IncomingMessage,
  res: ServerResponse,
  rec: ProxiedRequest,
): Promise<void> {
  const { target, agent, injected, choose } = ctx;
  const info: ProxyRequestInfo = {
    method: rec.method,
    url: rec.url,
    path: rec.path,
    headers: req.headers,
  };
  const chosen = choose(info);
  const action = chosen?.action;
  const note = (detail?: string) => {
    if (!chosen || !action) return;
    const name = chosen.rule.rule.name ?? action.type;
    rec.fault = name;
    rec.faultType = action.type;
    injected.push({
      rule: name,
      type: action.type,
      method: rec.method,
      url: rec.url,
      at: rec.at,
      ...(detail !== undefined && { detail }),
    });
  };
  const closed = new AbortController();
  res.on('close', () => closed.abort());
  const countRequest = (n: number) => {
    rec.requestBytes += n;
  };
  const drain = () =>
    new Promise<void>((resolve) => {
      req.on('data', (c: Buffer) => countRequest(c.length));
      req.on('end', resolve);
      req.on('error', () => resolve());
      req.on('close', resolve);
    });
  const answer = (status: number, headers: OutgoingHttpHeaders, body?: Buffer) => {
    rec.status = status;
    const h = { ...headers };
    if (body) h['content-length'] = String(body.length);
    res.writeHead(status, h);
    if (body) rec.responseBytes += body.length;
    res.end(body);
  };

  if (action?.type === 'status') {
    note(String(action.status));
    if (!action.early) await drain();
    const body =
      action.body === undefined
        ? Buffer.from(
            JSON.stringify({
              errors: [
                {
                  code: action.status === 429 ? 'TOOMANYREQUESTS' : 'UNAVAILABLE',
                  message: `injected ${action.status}`,
                },
              ],
            }),
          )
        : Buffer.from(typeof action.body === 'string' ? action.body : JSON.stringify(action.body));
    const type = typeof action.body === 'string' ? 'text/plain' : 'application/json';
    answer(action.status, { 'content-type': type, ...action.headers }, body);
    if (action.early) res.once('finish', () => req.socket?.destroy());
    return;
  }
  if (action?.type === 'redirect') {
    const location = typeof action.location === 'string' ? action.location : action.location(info);
    note(`${action.status ?? 307} ${location}`);
    await drain();
    answer(action.status ?? 307, { location }, Buffer.alloc(0));
    return;
  }
  if (action?.type === 'body') {
    note(String(action.status ?? 200));
    await drain();
    const status = action.status ?? 200;
    rec.status = status;
    if (Buffer.isBuffer(action.body)) {
      answer(status, { ...action.headers }, action.body);
      return;
    }
    res.writeHead(status, { ...action.headers });
    const src = action.body();
    await pump(src, res, (n) => {
      rec.responseBytes += n;
    });
    return;
  }
  if (action?.type === 'reset' && action.side === 'request' && !action.forward) {
    const after = action.afterBytes ?? 0;
    note(`request after ${after} bytes`);
    await new Promise<void>((resolve) => {
      const cut = () => {
        req.socket?.destroy();
        resolve();
      };
      if (after === 0) return cut();
      req.on('data', (c: Buffer) => {
        countRequest(c.length);
        if (rec.requestBytes >= after) cut();
      });
      req.on('end', cut);
      req.on('error', () => resolve());
      req.on('close', () => resolve());
    });
    rec.error = 'reset by fault';
    return;
  }

  // Forward to the upstream, with the fault (if any) applied on the way.
  const upstreamHeaders = { ...forwardHeaders(req.headers), ...ctx.upstreamHeaders };
  if (action?.type === 'forward') {
    note(JSON.stringify(action.requestHeaders));
    for (const [k, v] of Object.entries(action.requestHeaders)) {
      if (v === undefined) delete upstreamHeaders[k.toLowerCase()];
      else upstreamHeaders[k.toLowerCase()] = v;
    }
  }
  const up = httpRequest({
    host: target.hostname,
    port: target.port,
    method: req.method,
    path: req.url,
    headers: upstreamHeaders,
    agent,
  });
  const cutBoth = (why: string) => {
    rec.error ??= why;
    up.destroy();
    req.socket?.destroy();
    res.destroy();
  };
  up.on('error', (e) => cutBoth(`upstream: ${e.message}`));
  closed.signal.addEventListener('abort', () => {
    if (!res.writableFinished) {
      rec.error ??= 'client went away';
      up.destroy();
    }
  });

  let requestLimit: Counter;
  if (action?.type === 'reset' && action.side === 'request') {
    const after = action.afterBytes ?? 0;
    note(`request after ${after} bytes (forwarded)`);
    requestLimit = new Counter(countRequest, after, () => {
      // Let the forwarded part reach the upstream, then cut both sides.
      setTimeout(() => cutBoth('reset by fault'), 50);
    });
  } else {
    requestLimit = new Counter(countRequest);
  }
  req.pipe(requestLimit).pipe(up);
  req.on('error', () => cutBoth('client request error'));

  const ures = await new Promise<IncomingMessage | undefined>((resolve) => {
    up.once('response', resolve);
    up.once('error', () => resolve(undefined));
    up.once('close', () => resolve(undefined));
  });
  if (!ures) return;
  const location = ures.headers.location;
  if (location !== undefined) rec.location = location;
  const headers = forwardHeaders(ures.headers);
  const status = ures.statusCode ?? 502;

  if (action?.type === 'headers') {
    note(JSON.stringify(action.set));
    for (const [k, v] of Object.entries(action.set)) {
      if (v === undefined) delete headers[k.toLowerCase()];
      else headers[k.toLowerCase()] = v;
    }
    rec.status = status;
    res.writeHead(status, headers);
    if (action.hold) {
      res.flushHeaders();
      ures.destroy();
      await sleep(30_000, closed.signal);
      res.destroy();
      return;
    }
    await pump(ures, res, (n) => {
      rec.responseBytes += n;
    });
    return;
  }

  if (action?.type === 'reset' && action.side === 'response' && action.beforeHeaders) {
    note(`answer ${status} lost`);
    ures.resume();
    await new Promise<void>((resolve) => ures.once('end', resolve).once('error', resolve));
    cutBoth('reset by fault');
    return;
  }
  rec.status = status;
  res.writeHead(status, headers);
  const counted = (n: number) => {
    rec.responseBytes += n;
  };
  if (action?.type === 'reset' && action.side === 'response') {
    const after = action.afterBytes ?? 0;
    note(`response after ${after} bytes`);
    res.flushHeaders();
    const limiter = new Counter(counted, after, () => {
      setTimeout(() => cutBoth('reset by fault'), 20);
    });
    if (after === 0) {
      setTimeout(() => cutBoth('reset by fault'), 20);
      return;
    }
    ures.pipe(limiter).pipe(res);
    return;
  }
  if (action?.type === 'corrupt') {
    const length = Number(ures.headers['content-length']);
    const at = action.offset ?? (Number.isFinite(length) ? Math.floor(length / 2) : 0);
    note(`byte ${at}`);
    await pump(ures.pipe(new Corrupter(at)), res, counted);
    return;
  }
  if (action?.type === 'slow') {
    note(
      `after ${action.afterBytes ?? 0} bytes, ${action.chunkBytes ?? 1} per ${action.stallMs} ms`,
    );
    const after = action.afterBytes ?? 0;
    const step = action.chunkBytes ?? 1;
    const stallMs = action.stallMs;
    const signal = closed.signal;
    async function* drip() {
      let sent = 0;
      for await (const chunk of ures as AsyncIterable<Buffer>) {
        let c = chunk;
        if (sent < after) {
          const head = c.subarray(0, after - sent);
          sent += head.length;
          yield head;
          c = c.subarray(head.length);
        }
        while (c.length > 0) {
          await sleep(stallMs, signal);
          if (signal.aborted) return;
          const part = c.subarray(0, step);
          c = c.subarray(part.length);
          sent += part.length;
          yield part;
        }
      }
    }
    res.flushHeaders();
    await pump(Readable.from(drip()), res, counted);
    ures.destroy();
    return;
  }
  await pump(ures, res, counted);
}
