/**
 * The shape every command shares: a yargs module whose handler hands a body to main,
 * which builds the Runtime, runs it, and renders what it returns.
 */
import type { CommandOutput, GlobalArgs, Runtime } from './runtime.js';

/** RunCommand runs a command body with a Runtime built from the parsed global flags. */
export type RunCommand = (
  args: GlobalArgs,
  body: (rt: Runtime) => Promise<CommandOutput>,
) => Promise<void>;
