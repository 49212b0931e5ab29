/**
 * login: check credentials against a registry, then store them in a Docker config.json
 * the way `docker login` does without a credential store (`auths.<host>.auth`); logout
 * removes them. lib/transport/docker-config.ts reads and writes the file.
 */
import { staticCredentials } from '../transport/credentials.js';
import { removeDockerConfigAuth, storeDockerConfigAuth } from '../transport/docker-config.js';
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
  return storeDockerConfigAuth(configPath, registry, { username, password });
}

/**
 * logout removes a registry's `auths` entries from the Docker config and returns the keys
 * removed (none when there were none). No request is sent.
 */
export function logout(options: { registry: string; configPath: string }): Promise<string[]> {
  return removeDockerConfigAuth(options.configPath, options.registry);
}
