/**
 * The Docker `config.json`, read and written in one place (docker/cli
 * `cli/config/configfile`). `login` stores an `auths` entry the way `docker login` does
 * without a credential store; every other field of the file is kept.
 *
 * Credentials from it:
 * `credHelpers` per registry, then `auths` entries (`auth` = base64 `user:pass`, or
 * `username`/`password`, `identitytoken`, `registrytoken`), then the `credsStore`
 * helper. Keys may be written with scheme and path and Docker Hub has several names;
 * all are normalised. Docker itself ignores inline `auths` secrets when `credsStore` is
 * set; here an inline secret someone wrote on purpose is used first.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { AuthError } from '../errors.js';
import { DOCKER_HUB } from '../reference.js';
import {
  type CredHelperOptions,
  DOCKER_HUB_SERVER_URL,
  runCredentialHelper,
} from './cred-helper.js';
import { normalizeRegistryKey } from './credentials.js';
import type { CredentialProvider, CredentialSource, Credentials } from './types.js';

/** DockerConfigAuth is one `auths` entry. */
export interface DockerConfigAuth {
  auth?: string;
  username?: string;
  password?: string;
  identitytoken?: string;
  registrytoken?: string;
}

/** DockerConfig is the part of config.json that holds credentials. */
export interface DockerConfig {
  auths?: Record<string, DockerConfigAuth>;
  credHelpers?: Record<string, string>;
  credsStore?: string;
}

/** DockerConfigOptions configures dockerConfigCredentials. */
export interface DockerConfigOptions extends CredHelperOptions {
  /** Path of config.json (the CLI resolves `$DOCKER_CONFIG` or `~/.docker`). */
  configPath: string;
}

/**
 * readDockerConfig reads and parses config.json; a missing file is an empty config,
 * an unreadable one an AuthError naming the path.
 */
export async function readDockerConfig(configPath: string): Promise<DockerConfig> {
  let text: string;
  try {
    text = await readFile(configPath, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new AuthError(`cannot read Docker config ${configPath}: ${(e as Error).message}`);
  }
  if (text.trim() === '') return {};
  try {
    const parsed = JSON.parse(text) as unknown;
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new Error('not a JSON object');
    }
    return parsed as DockerConfig;
  } catch (e) {
    // The parser's message may quote the file, which holds secrets: do not include it.
    throw new AuthError(
      `Docker config ${configPath} is not valid JSON${e instanceof Error && e.message === 'not a JSON object' ? ' (not an object)' : ''}; fix or remove it`,
    );
  }
}

/** decodeAuthEntry turns an `auths` entry into credentials, or undefined when it has none. */
export function decodeAuthEntry(entry: DockerConfigAuth, where: string): Credentials | undefined {
  let username = typeof entry.username === 'string' ? entry.username : '';
  let password = typeof entry.password === 'string' ? entry.password : '';
  if (typeof entry.auth === 'string' && entry.auth !== '') {
    const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon === -1) {
      throw new AuthError(`Docker config entry ${where}: "auth" is not base64 of user:password`);
    }
    username = decoded.slice(0, colon);
    password = decoded.slice(colon + 1);
  }
  if (typeof entry.identitytoken === 'string' && entry.identitytoken !== '') {
    return { identityToken: entry.identitytoken, ...(username && { username }) };
  }
  if (typeof entry.registrytoken === 'string' && entry.registrytoken !== '') {
    return { registryToken: entry.registrytoken };
  }
  if (username !== '' || password !== '') return { username, password };
  return undefined;
}

/** findKey returns the value whose normalised key is `registry` (an exact key first). */
function findKey<T>(
  table: Record<string, T> | undefined,
  registry: string,
): [string, T] | undefined {
  if (!table || typeof table !== 'object') return undefined;
  if (Object.hasOwn(table, registry)) return [registry, table[registry] as T];
  for (const [k, v] of Object.entries(table)) {
    if (normalizeRegistryKey(k) === registry) return [k, v];
  }
  return undefined;
}

/**
 * dockerConfigKey is the key Docker stores a registry's credentials under, and the server
 * URL helpers know it by: the registry name, but Docker Hub's legacy index URL for Docker Hub.
 */
export function dockerConfigKey(registry: string): string {
  return registry === DOCKER_HUB ? DOCKER_HUB_SERVER_URL : registry;
}

/**
 * storeDockerConfigAuth stores `username:password` for a registry in config.json
 * (`auths.<key>.auth`; the file and its folder are created when missing, 0600 and 0700)
 * and returns the key used. Other entries and settings are kept. A file that is not a
 * JSON object is an AuthError, and is left as it is.
 */
export async function storeDockerConfigAuth(
  configPath: string,
  registry: string,
  credentials: { username: string; password: string },
): Promise<string> {
  const key = dockerConfigKey(registry);
  const config = await readDockerConfig(configPath);
  const auth = Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64');
  config.auths = { ...config.auths, [key]: { auth } };
  await writeDockerConfig(configPath, config);
  return key;
}

/**
 * removeDockerConfigAuth removes the `auths` entries of a registry from config.json (every
 * key that names it: Docker Hub has several) and returns the keys removed; the file is
 * rewritten only when there were any. Credentials a helper keeps are not touched.
 */
export async function removeDockerConfigAuth(
  configPath: string,
  registry: string,
): Promise<string[]> {
  const config = await readDockerConfig(configPath);
  const auths = config.auths && typeof config.auths === 'object' ? config.auths : {};
  const key = normalizeRegistryKey(registry);
  const removed = Object.keys(auths).filter((k) => normalizeRegistryKey(k) === key);
  if (removed.length === 0) return [];
  config.auths = Object.fromEntries(Object.entries(auths).filter(([k]) => !removed.includes(k)));
  await writeDockerConfig(configPath, config);
  return removed;
}

/**
 * writeDockerConfig writes the file whole (0600, its folder created 0700) to a temporary
 * name and renames it, so a crash never leaves half a config behind.
 */
async function writeDockerConfig(configPath: string, config: DockerConfig): Promise<void> {
  await mkdir(dirname(configPath), { recursive: true, mode: 0o700 });
  const tmp = `${configPath}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    await writeFile(tmp, `${JSON.stringify(config, null, '\t')}\n`, { mode: 0o600 });
    await rename(tmp, configPath);
  } catch (e) {
    await rm(tmp, { force: true });
    throw new AuthError(`cannot write Docker config ${configPath}: ${(e as Error).message}`);
  }
}

/**
 * dockerConfigCredentials reads credentials from a Docker config file. The file is read
 * once, on first use; helper answers are remembered per registry for the provider's life.
 */
export function dockerConfigCredentials(opts: DockerConfigOptions): CredentialProvider {
  let config: Promise<DockerConfig> | undefined;
  const answers = new Map<string, Promise<Credentials | undefined>>();
  // Where each registry's answer came from: a helper named in the file, or the file.
  const sources = new Map<string, CredentialSource>();
  const lookup = async (registry: string): Promise<Credentials | undefined> => {
    config ??= readDockerConfig(opts.configPath);
    const cfg = await config;
    const helper = findKey(cfg.credHelpers, registry);
    if (helper && typeof helper[1] === 'string' && helper[1] !== '') {
      // The helper answers for this registry before any `auths` entry: login cannot help.
      sources.set(registry, {
        description: `docker-credential-${helper[1]} (credHelpers in ${opts.configPath})`,
      });
      return runCredentialHelper(helper[1], dockerConfigKey(registry), opts);
    }
    const entry = findKey(cfg.auths, registry);
    if (entry && typeof entry[1] === 'object' && entry[1] !== null) {
      const c = decodeAuthEntry(
        entry[1],
        `auths[${JSON.stringify(entry[0])}] in ${opts.configPath}`,
      );
      if (c) return c;
    }
    if (typeof cfg.credsStore === 'string' && cfg.credsStore !== '') {
      // An `auths` entry, which login writes, comes before the store.
      sources.set(registry, {
        description: `docker-credential-${cfg.credsStore} (credsStore in ${opts.configPath})`,
        loginFile: opts.configPath,
      });
      return runCredentialHelper(cfg.credsStore, dockerConfigKey(registry), opts);
    }
    return undefined;
  };
  const provider: CredentialProvider = (registry) => {
    const key = normalizeRegistryKey(registry);
    let p = answers.get(key);
    if (!p) {
      p = lookup(key);
      // A failure is not remembered, so a later call may succeed (e.g. after unlock).
      p.catch(() => answers.delete(key));
      answers.set(key, p);
    }
    return p;
  };
  provider.source = (registry) =>
    sources.get(normalizeRegistryKey(registry)) ?? {
      description: opts.configPath,
      loginFile: opts.configPath,
    };
  return provider;
}
