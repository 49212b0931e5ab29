/**
 * RegistryClient hands out repositories that share one transport (one connection pool
 * and one token cache per process).
 */
import type { Logger } from '../log.js';
import type { Reference } from '../reference.js';
import { createTransport } from '../transport/http.js';
import type { Transport, TransportOptions } from '../transport/types.js';
import { Repository } from './repository.js';

/** RegistryClient gives access to repositories over one transport. */
export class RegistryClient {
  constructor(
    readonly transport: Transport,
    readonly logger?: Logger,
  ) {}

  /** repository returns a client for the repository a reference names. */
  repository(ref: Reference): Repository {
    return new Repository(this.transport, ref, this.logger);
  }

  /**
   * ping checks that the registry speaks the Distribution API and accepts this
   * client's credentials (GET /v2/, spec "Determining support").
   */
  async ping(registry: string, signal?: AbortSignal): Promise<void> {
    const res = await this.transport.request({
      registry,
      method: 'GET',
      path: '/v2/',
      scopes: [],
      expect: [200],
      what: `check ${registry}`,
      ...(signal && { signal }),
    });
    await res.dump();
  }

  /** close releases pooled connections. */
  close(): Promise<void> {
    return this.transport.close();
  }
}

/** createClient builds a RegistryClient with its own transport. */
export function createClient(options: TransportOptions = {}): RegistryClient {
  return new RegistryClient(createTransport(options), options.logger);
}
