/**
 * RegistryClient hands out repositories that share one transport (one connection pool
 * and one token cache per process).
 */
import type { Logger } from '../log.js';
import type { Reference } from '../reference.js';
import type { Transport } from '../transport/types.js';
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

  /** close releases pooled connections. */
  close(): Promise<void> {
    return this.transport.close();
  }
}
