/**
 * Every command, in the order --help lists them: its yargs command string (name and
 * positionals), its one-line description, and how to load the rest. main registers these
 * and imports a command's module (its flags, its implementation and through them the
 * registry client) only when that command is parsed, so `--help` and any one command load
 * just what they use: start-up time on every call (the bundle splits at these imports).
 */
import type { CommandParts, RunCommand } from '../command.js';

/** CommandEntry is one command as main registers it before loading it. */
export interface CommandEntry {
  command: string;
  describe: string;
  load: (run: RunCommand) => Promise<CommandParts<unknown>>;
}

/** entry erases a command's own argument type: yargs hands the handler what the builder declared. */
const entry = <A>(
  command: string,
  describe: string,
  load: (run: RunCommand) => Promise<CommandParts<A>>,
): CommandEntry => ({
  command,
  describe,
  load: load as unknown as CommandEntry['load'],
});

export const COMMANDS: readonly CommandEntry[] = [
  entry(
    'copy <src> <dst>',
    'Copy an image, index or artifact between repositories, by digest, verified',
    async (run) => (await import('./copy.js')).copyCommand(run),
  ),
  entry(
    'promote [src]',
    'Promote an image: copy it by digest, then write promotion tags and record history',
    async (run) => (await import('./promote.js')).promoteCommand(run),
  ),
  entry(
    'rollback <target>',
    'Move a tag back to the digest it held before, as the history records',
    async (run) => (await import('./rollback.js')).rollbackCommand(run),
  ),
  entry(
    'history <target>',
    'List recorded promotions, rollbacks and evidence (attest, hold, freeze…), newest first',
    async (run) => (await import('./history.js')).historyCommand(run),
  ),
  entry(
    'status <target>',
    'Show tags, freeze, holds, recent history and stage verifications',
    async (run) => (await import('./status.js')).statusCommand(run),
  ),
  entry(
    'attest <image>',
    "Record a stage's verification (passed or failed) of an image",
    async (run) => (await import('./attest.js')).attestCommand(run),
  ),
  entry(
    'hold <target>',
    'Hold a digest: it cannot be promoted into the repository until released',
    async (run) => (await import('./hold.js')).holdCommand(run, 'hold'),
  ),
  entry('release <target>', 'Release a held digest: it can be promoted again', async (run) =>
    (await import('./hold.js')).holdCommand(run, 'release'),
  ),
  entry(
    'freeze <repo>',
    'Freeze a repository: promotions into it are refused (rollbacks are not)',
    async (run) => (await import('./freeze.js')).freezeCommand(run, 'freeze'),
  ),
  entry(
    'unfreeze <repo>',
    'Lift a freeze: promotions into the repository are allowed again',
    async (run) => (await import('./freeze.js')).freezeCommand(run, 'unfreeze'),
  ),
  entry(
    'prune <repo>',
    'Trim history to N entries per tag and delete images nothing refers to',
    async (run) => (await import('./prune.js')).pruneCommand(run),
  ),
  entry(
    'inspect <ref>',
    'Show what a reference is: digest, type, size, platforms, referrers',
    async (run) => (await import('./inspect.js')).inspectCommand(run),
  ),
  entry('digest <ref>', 'Print the digest a reference resolves to', async (run) =>
    (await import('./digest.js')).digestCommand(run),
  ),
  entry('tags <repo>', 'List the tags of a repository', async (run) =>
    (await import('./tags.js')).tagsCommand(run),
  ),
  entry(
    'verify <ref>',
    'Check that a reference exists, has the expected digest and (--deep) is complete',
    async (run) => (await import('./verify.js')).verifyCommand(run),
  ),
  entry('login <registry>', 'Check credentials and store them in the Docker config', async (run) =>
    (await import('./login.js')).loginCommand(run),
  ),
  entry('logout <registry>', 'Remove stored credentials from the Docker config', async (run) =>
    (await import('./login.js')).logoutCommand(run),
  ),
];
