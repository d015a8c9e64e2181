/** Shape of one CLI command: its option table (node:util parseArgs) and what it does. */
import type { ParseArgsConfig } from "node:util";

export interface CommandContext {
  /** Positional arguments after the command name. */
  positionals: string[];
  /** Parsed options (strings and booleans, as declared in `options`). */
  values: Record<string, string | boolean | undefined>;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

export interface Command {
  name: string;
  summary: string;
  /** Usage lines shown by `rplpipe <name> --help`. */
  usage: string;
  options: NonNullable<ParseArgsConfig["options"]>;
  /** Resolves to the process exit code. */
  run(ctx: CommandContext): Promise<number>;
}
