/**
 * A fault-injecting reverse proxy for integration tests: a `node:http` server on a free
 * loopback port that forwards every request to a real registry (streaming both ways, no
 * body is buffered) and, by rule, breaks some of them the way networks, load balancers
 * and misbehaving registries do. The client uses the proxy's `host` as its registry
 * (`--plain-http`). The `Host` header is forwarded unchanged, so distribution builds its
 * upload `Location`s on the proxy's address and the whole session stays behind the proxy.
 *
 * ```ts
 * const proxy = await startFaultProxy(t, registry, { seed: 7 });
 * proxy.addRule({ method: 'GET', path: /\/blobs\/sha256:/, nth: 1, action: { type: 'status', status: 503 } });
 * proxy.addRule({ method: 'PUT', path: /\/blobs\/uploads\//, probability: 0.3,
 *   action: { type: 'reset', side: 'request', afterBytes: 1 << 20 } });
 * // ...copy through proxy.host...
 * t.equal(proxy.injected.length, 1);
 * ```
 *
 * Rules are tried in order for every request; a rule counts the requests it matched
 * (method, path regex, predicate) and fires on its `nth` occurrences, or with its
 * `probability` (drawn from a seeded RNG, so a run's fault rate is reproducible — the
 * exact requests hit depend on arrival order when requests run in parallel), or always;
 * `times` caps how often it fires. The first rule that fires decides the request.
 *
 * Everything is recorded: `requests` (one entry per request: status, body bytes each
 * way, whether it carried Authorization, the upstream's Location, the fault applied) and
 * `injected` (one entry per fault), so a test can assert that a fault really happened.
 *
 * By concern: fault-proxy/types.ts, fault-proxy/rules.ts (which request gets which fault),
 * fault-proxy/handle.ts (serving one request), fault-proxy/streams.ts (byte plumbing).
 */
import { Agent, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type HandlerContext, handleRequest } from './fault-proxy/handle.js';
import { chooseFault, type LiveRule, seededRandom } from './fault-proxy/rules.js';
import type {
  FaultProxy,
  FaultProxyOptions,
  InjectedFault,
  ProxiedRequest,
} from './fault-proxy/types.js';
import type { TeardownHost } from './registry.js';

export { seededRandom } from './fault-proxy/rules.js';
export * from './fault-proxy/types.js';

/** startFaultProxy starts a proxy in front of `upstream`; with a tap test it closes in teardown. */
export async function startFaultProxy(
  t: TeardownHost | null,
  upstream: { url: string } | string,
  opts: FaultProxyOptions = {},
): Promise<FaultProxy> {
  const target = new URL(typeof upstream === 'string' ? upstream : upstream.url);
  const random = seededRandom(opts.seed ?? 1);
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  let rules: LiveRule[] = [];
  const requests: ProxiedRequest[] = [];
  const injected: InjectedFault[] = [];
  const pending = new Set<Promise<void>>();
  const ctx: HandlerContext = {
    target,
    agent,
    upstreamHeaders: opts.upstreamHeaders,
    injected,
    choose: (info) => chooseFault(rules, info, random),
  };

  const server = createServer((req, res) => {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    let finish!: () => void;
    const rec: ProxiedRequest = {
      method: req.method ?? 'GET',
      url,
      path: q === -1 ? url : url.slice(0, q),
      at: Date.now(),
      requestBytes: 0,
      responseBytes: 0,
      authorization: req.headers.authorization !== undefined,
      headers: { ...req.headers, authorization: undefined },
      done: new Promise<void>((resolve) => {
        finish = resolve;
      }),
    };
    requests.push(rec);
    const p = handleRequest(ctx, req, res, rec)
      .catch((e: unknown) => {
        rec.error ??= (e as Error).message;
        res.destroy();
      })
      .then(async () => {
        if (!res.writableFinished && !res.destroyed) {
          await new Promise<void>((resolve) => res.once('close', () => resolve()));
        }
      })
      .finally(() => {
        pending.delete(p);
        finish();
      });
    pending.add(p);
  });
  server.keepAliveTimeout = 30_000;
  const address = opts.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, address, () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      agent.destroy();
    })();
    return closing;
  };
  t?.teardown(close);

  return {
    url: `http://${address}:${port}`,
    host: `${address}:${port}`,
    port,
    requests,
    injected,
    addRule: (...more) => {
      for (const rule of more) rules.push({ rule, seen: 0, fired: 0 });
    },
    clearRules: () => {
      rules = [];
    },
    clearRecords: () => {
      requests.length = 0;
      injected.length = 0;
    },
    settle: async () => {
      await Promise.all([...pending]);
    },
    summary: () => {
      const out: Record<string, number> = {};
      for (const f of injected) {
        const key = f.type === 'status' ? `status ${f.detail}` : f.type;
        out[key] = (out[key] ?? 0) + 1;
      }
      return out;
    },
    random,
    close,
  };
}
