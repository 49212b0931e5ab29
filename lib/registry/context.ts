/**
 * RepoContext is what every endpoint family needs: the transport and the repository
 * it talks to. Scopes follow distribution docs/spec/auth/scope.md.
 */
import { ProtocolError } from '../errors.js';
import { type Logger, silentLogger } from '../log.js';
import type { Reference } from '../reference.js';
import type { RegistryRequest, RegistryResponse, Scope, Transport } from '../transport/types.js';

/** RepoContext binds a transport to one repository. */
export class RepoContext {
  readonly registry: string;
  readonly name: string;
  readonly pull: Scope;
  readonly push: Scope;
  readonly delete: Scope;

  constructor(
    readonly transport: Transport,
    ref: Reference,
    readonly logger: Logger = silentLogger,
  ) {
    this.registry = ref.registry;
    this.name = ref.repository;
    this.pull = `repository:${ref.repository}:pull`;
    this.push = `repository:${ref.repository}:pull,push`;
    this.delete = `repository:${ref.repository}:delete`;
  }

  /** path builds `/v2/<name>/<rest>`. */
  path(rest: string): string {
    return `/v2/${this.name}/${rest}`;
  }

  /** send issues a request against this repository's registry. */
  send(req: Omit<RegistryRequest, 'registry'>): Promise<RegistryResponse> {
    return this.transport.request({ ...req, registry: this.registry });
  }
}

/**
 * readJson parses a JSON response body of at most `limit` bytes. Ask the transport to
 * read the body (`read: { limit }` on the request) so a body that breaks off is retried
 * there; this then parses the bytes already read.
 */
export async function readJson(
  res: RegistryResponse,
  limit: number,
  what: string,
): Promise<unknown> {
  const bytes = await res.bytes(limit);
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new ProtocolError(`${what}: the registry answered with invalid JSON`);
  }
}
