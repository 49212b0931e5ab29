/**
 * The shape every command shares: its name and one-line description are listed in
 * commands/index.ts (what --help shows without loading any command); its module gives
 * the flags (builder) and a handler that hands a body to main, which builds the Runtime,
 * runs it, and renders what it returns.
 */
import type { ArgumentsCamelCase, Argv } from 'yargs';
import type { CommandOutput, GlobalArgs, Runtime } from './runtime.js';

/** RunCommand runs a command body with a Runtime built from the parsed global flags. */
export type RunCommand = (
  args: GlobalArgs,
  body: (rt: Runtime) => Promise<CommandOutput>,
) => Promise<void>;

/** CommandParts are what a command's module defines: its flags and its handler. */
export interface CommandParts<A> {
  builder: (y: Argv) => Argv<A>;
  handler: (args: ArgumentsCamelCase<A>) => void | Promise<void>;
}
