/**
 * `login <registry> -u USER --password-stdin`: check the credentials against the
 * registry, then store them in the Docker config (`$DOCKER_CONFIG` or `~/.docker`).
 * `logout <registry>`: remove them again.
 */
import type { Argv } from 'yargs';
import { login, logout, parseRepository, UsageError } from '../../lib/index.js';
import type { CommandParts, RunCommand } from '../command.js';
import type { GlobalArgs } from '../runtime.js';

type Args = GlobalArgs & {
  registry: string;
  username?: string;
  passwordStdin: boolean;
  /** Refused: only known to point to --password-stdin. */
  password?: string;
};

/** loginCommand defines `login`. */
export function loginCommand(run: RunCommand): CommandParts<Args> {
  return {
    builder: (y) =>
      y
        .positional('registry', {
          type: 'string',
          demandOption: true,
          describe: 'registry host[:port], e.g. ghcr.io',
        })
        .option('username', { alias: 'u', type: 'string', describe: 'user name' })
        .option('password-stdin', {
          type: 'boolean',
          default: false,
          describe: 'read the password or token from standard input',
        })
        // Not a way in: docker's -p/--password is known only to say what to use instead.
        .option('password', { alias: 'p', type: 'string', hidden: true }) as unknown as Argv<Args>,
    handler: (args) =>
      run(args, async (rt) => {
        if (args.password !== undefined) {
          throw new UsageError(
            'login takes no password on the command line (shell history, process lists) — pipe it in: printf %s "$TOKEN" | oci-promote login REGISTRY -u USER --password-stdin',
          );
        }
        if (!args.username || !args.passwordStdin) {
          throw new UsageError(
            'login needs -u USER and --password-stdin (the secret is read from standard input)',
          );
        }
        const registry = registryArg(args.registry);
        const password = (await readAll(rt.io.stdin)).replace(/\r?\n$/, '');
        if (!password) throw new UsageError('no password on standard input');
        const key = await login({
          ...rt.transportOptions(),
          registry,
          username: args.username,
          password,
          configPath: rt.dockerConfigPath,
        });
        return {
          json: { registry, username: args.username, configPath: rt.dockerConfigPath, key },
          text: [
            `Login succeeded for ${args.username} at ${registry}; stored in ${rt.dockerConfigPath}`,
          ],
        };
      }),
  };
}

/** logoutCommand defines `logout`. */
export function logoutCommand(run: RunCommand): CommandParts<LogoutArgs> {
  return {
    builder: (y) =>
      y.positional('registry', {
        type: 'string',
        demandOption: true,
        describe: 'registry host[:port], e.g. ghcr.io',
      }) as unknown as Argv<LogoutArgs>,
    handler: (args) =>
      run(args, async (rt) => {
        const registry = registryArg(args.registry);
        const configPath = rt.dockerConfigPath;
        const removed = await logout({ registry, configPath });
        return {
          json: { registry, configPath, removed },
          text: [
            removed.length > 0
              ? `Removed the credentials for ${registry} from ${configPath}`
              : `Not logged in to ${registry}: no entry in ${configPath}`,
          ],
        };
      }),
  };
}

type LogoutArgs = GlobalArgs & { registry: string };

/** registryArg checks a registry argument with the reference grammar: "<host>/x" must parse to it. */
function registryArg(text: string): string {
  let registry: string | undefined;
  try {
    registry = parseRepository(`${text}/x`).registry;
  } catch {
    // The grammar's message would speak of "<text>/x", which the user did not write.
  }
  if (registry !== text && !(registry === 'docker.io' && text.includes('docker.io'))) {
    throw new UsageError(
      `invalid registry ${JSON.stringify(text)}: give host[:port], e.g. ghcr.io`,
    );
  }
  return registry;
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(typeof c === 'string' ? Buffer.from(c) : (c as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}
