/**
 * login: check credentials against a registry, then store them in a Docker config.json
 * the way `docker login` does without a credential store (`auths.<host>.auth`).
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { DOCKER_HUB } from '../reference.js';
import { staticCredentials } from '../transport/credentials.js';
import type { TransportOptions } from '../transport/types.js';
import { createClient } from './client.js';

/** LoginOptions says what to check and where to store it. */
export interface LoginOptions extends Omit<TransportOptions, 'credentials'> {
  registry: string;
  username: string;
  password: string;
  /** The config.json to update (created when missing, other entries kept). */
  configPath: string;
}

/** login verifies the credentials with GET /v2/ and stores them; returns the config key used. */
export async function login(options: LoginOptions): Promise<string> {
  const { registry, username, password, configPath, ...transport } = options;
  const client = createClient({
    ...transport,
    credentials: staticCredentials({ [registry]: { username, password } }),
  });
  try {
    await client.ping(registry);
  } finally {
    await client.close();
  }
  // Docker keeps Docker Hub credentials under its v1 index URL.
  const key = registry === DOCKER_HUB ? 'https://index.docker.io/v1/' : registry;
  let config: { auths?: Record<string, unknown> } = {};
  try {
    config = JSON.parse(await readFile(configPath, 'utf8'));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  config.auths = {
    ...config.auths,
    [key]: { auth: Buffer.from(`${username}:${password}`).toString('base64') },
  };
  await mkdir(dirname(configPath), { recursive: true, mode: 0o700 });
  // Write then rename, so a crash never leaves a half-written config behind.
  const tmp = `${configPath}.${process.pid}.tmp`;
  await writeFile(tmp, `${JSON.stringify(config, null, '\t')}\n`, { mode: 0o600 });
  await rename(tmp, configPath);
  return key;
}
