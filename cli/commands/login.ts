/**
 * `login <registry> -u USER --password-stdin`: check the credentials against the
 * registry, then store them in the Docker config (`$DOCKER_CONFIG` or `~/.docker`).
 */
import type { Argv, CommandModule } from 'yargs';
import { login, parseRepository, UsageError } from '../../lib/index.js';
import type { RunCommand } from '../command.js';
import type { GlobalArgs } from '../runtime.js';

type Args = GlobalArgs & { registry: string; username?: string; passwordStdin: boolean };

/** loginCommand defines `login`. */
export function loginCommand(run: RunCommand): CommandModule<object, Args> {
  return {
    command: 'login <registry>',
    describe: 'Check credentials and store them in the Docker config',
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
        }) as unknown as Argv<Args>,
    handler: (args) =>
      run(args, async (rt) => {
        if (!args.username || !args.passwordStdin) {
          throw new UsageError(
            'login needs -u USER and --password-stdin (the secret is read from standard input)',
          );
        }
        // Validate the host with the reference grammar: "<host>/x" must parse to it.
        const registry = parseRepository(`${args.registry}/x`).registry;
        if (
          registry !== args.registry &&
          !(registry === 'docker.io' && args.registry.includes('docker.io'))
        ) {
          throw new UsageError(
            `invalid registry ${JSON.stringify(args.registry)}: give host[:port], e.g. ghcr.io`,
          );
        }
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

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(typeof c === 'string' ? Buffer.from(c) : (c as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}
