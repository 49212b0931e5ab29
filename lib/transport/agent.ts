/**
 * The undici Agent behind every connection this library opens (registries and webhooks),
 * so `ca`, `insecure` and the connect/header/idle timeouts mean the same for each.
 */
import { rootCertificates } from 'node:tls';
import { Agent } from 'undici';
import type { TransportOptions } from './types.js';

/** AgentOptions: the TLS settings of TransportOptions and the timeouts, already resolved. */
export interface AgentOptions {
  ca: TransportOptions['ca'] | undefined;
  insecure: boolean | undefined;
  timeouts: { connect: number; headers: number; idle: number };
  /** Connections kept per origin. */
  connections: number;
}

/** createAgent builds a keep-alive HTTP/1.1 agent with the given TLS settings and timeouts. */
export function createAgent(opts: AgentOptions): Agent {
  return new Agent({
    connections: opts.connections,
    pipelining: 1,
    keepAliveTimeout: 30_000,
    headersTimeout: opts.timeouts.headers,
    bodyTimeout: opts.timeouts.idle,
    connect: {
      timeout: opts.timeouts.connect,
      // A CA file is trusted in addition to the bundled roots, not instead of them.
      ...(opts.ca !== undefined && { ca: [...rootCertificates, opts.ca.toString()] }),
      ...(opts.insecure && { rejectUnauthorized: false }),
    },
  });
}
