/**
 * docs/cli.md against the CLI's own help: every command `oci-promote --help` lists has a
 * row in the Commands table, and every flag each command's `--help` prints (aliases
 * included) is written in docs/cli.md, so nothing the CLI takes is undocumented. The CLI
 * runs in-process from source (test/helpers/cli.ts).
 */
import t from 'tap';
import { runCli } from '../helpers/cli.js';
import { docFiles, fencedBlocks, readDoc } from './markdown.js';

const doc = readDoc('docs/cli.md');

/** commandsOf reads the command names from the top-level help's "Commands:" section. */
function commandsOf(help: string): string[] {
  const section = help.split(/^Commands:$/m)[1]?.split(/^\S.*:$/m)[0] ?? '';
  return [...section.matchAll(/^ {2}oci-promote ([a-z-]+)/gm)].map((m) => m[1]!);
}

/** flagsOf reads every flag of the "Options:" section: `-q, --quiet`, `--to, --to-digest`. */
function flagsOf(help: string): string[] {
  const flags: string[] = [];
  for (const line of help.split('\n')) {
    const m = /^ {2,6}((?:-{1,2}[a-zA-Z][\w-]*(?:, )?)+)(?: {2,}|$)/.exec(line);
    if (m) flags.push(...m[1]!.split(', ').filter((f) => f.startsWith('--')));
  }
  return flags;
}

/**
 * documented: the flag appears as a whole token in docs/cli.md (`--to` is not `--to-digest`);
 * a boolean that defaults to true (`--hold`) is documented by its negation (`--no-hold`).
 */
const documented = (flag: string): boolean =>
  [flag, `--no-${flag.slice(2)}`].some((f) =>
    new RegExp(`${f.replace(/[-]/g, '\\-')}(?![\\w-])`).test(doc),
  );

t.test('every command of oci-promote --help has a row in docs/cli.md', async (t) => {
  const top = await runCli(['--help']);
  t.equal(top.code, 0, top.stderr);
  const commands = commandsOf(top.stdout);
  t.ok(commands.length >= 15, `the help lists ${commands.length} commands`);
  for (const c of commands) {
    t.match(doc, new RegExp(`^\\| \`${c}[ \`]`, 'm'), `${c} has a row in the Commands table`);
  }
  for (const flag of flagsOf(top.stdout)) t.ok(documented(flag), `global ${flag} is documented`);
});

t.test('every flag of every command --help is in docs/cli.md', async (t) => {
  const commands = commandsOf((await runCli(['--help'])).stdout);
  let checked = 0;
  for (const c of commands) {
    const r = await runCli([c, '--help']);
    t.equal(r.code, 0, `${c} --help exits 0`);
    const flags = flagsOf(r.stdout);
    t.ok(flags.length > 0, `${c} --help lists flags`);
    for (const flag of flags) {
      checked++;
      t.ok(documented(flag), `${c} ${flag} is documented in docs/cli.md`);
    }
  }
  t.comment(`${commands.length} commands, ${checked} command flags checked`);
});

/** invocations finds `oci-promote <command> …` in the sh blocks of README.md and docs/. */
function invocations(): { where: string; command: string; flags: string[] }[] {
  const found: { where: string; command: string; flags: string[] }[] = [];
  for (const file of docFiles()) {
    for (const b of fencedBlocks(readDoc(file))) {
      if (!['sh', 'bash', 'shell', 'console'].includes(b.info)) continue;
      // Continuation lines joined, keeping the line number of each command's first line.
      const lines = b.body.split('\n');
      for (let i = 0; i < lines.length; i++) {
        let text = lines[i]!;
        const first = i;
        while (text.endsWith('\\') && i + 1 < lines.length)
          text = `${text.slice(0, -1)} ${lines[++i]}`;
        const code = text.replace(/#.*$/, '');
        for (const m of code.matchAll(/(?:^|[\s|;&(])oci-promote\s+([a-z]+)([^|;&]*)/g)) {
          const flags = [...m[2]!.matchAll(/(?:^|\s)(--[a-z][\w-]*)/g)].map((f) => f[1]!);
          found.push({ where: `${file}:${b.line + 1 + first}`, command: m[1]!, flags });
        }
      }
    }
  }
  return found;
}

t.test(
  'every oci-promote command line in the docs uses a command and flags the CLI has',
  async (t) => {
    const commands = new Set(commandsOf((await runCli(['--help'])).stdout));
    const helpOf = new Map<string, string[]>();
    const calls = invocations();
    t.ok(calls.length > 30, `${calls.length} command lines found`);
    for (const call of calls) {
      if (!commands.has(call.command)) {
        t.fail(`${call.where}: oci-promote ${call.command} is not a command`);
        continue;
      }
      let flags = helpOf.get(call.command);
      if (!flags) {
        flags = flagsOf((await runCli([call.command, '--help'])).stdout);
        helpOf.set(call.command, flags);
      }
      for (const flag of call.flags) {
        const known = flags.includes(flag) || flags.includes(`--${flag.replace(/^--no-/, '')}`);
        t.ok(known, `${call.where}: oci-promote ${call.command} takes ${flag}`);
      }
    }
  },
);
