/**
 * The surroundings most integration tests share: a source and a destination registry,
 * a library client for them, an in-process CLI with its own HOME, and a work folder.
 * Everything is torn down with the test.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient, type RegistryClient } from '../../lib/index.js';
import { type CliEnv, cliEnv } from './cli.js';
import { type Registry, startRegistry, type TeardownHost } from './registry.js';

/** Setup is what `twoRegistries` gives a test. */
export interface Setup {
  src: Registry;
  dst: Registry;
  client: RegistryClient;
  cli: CliEnv;
  /** A temporary folder for layouts and files, removed afterwards. */
  work: string;
}

/** twoRegistries starts two plain registries and everything else a copy test needs. */
export async function twoRegistries(t: TeardownHost, name: string): Promise<Setup> {
  const [src, dst] = await Promise.all([startRegistry(t), startRegistry(t)]);
  const client = createClient({ plainHttp: true });
  t.teardown(() => client.close());
  const cli = await cliEnv(t);
  const work = await mkdtemp(join(tmpdir(), `oci-promote-${name}-test-`));
  t.teardown(() => rm(work, { recursive: true, force: true }));
  return { src, dst, client, cli, work };
}
