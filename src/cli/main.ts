#!/usr/bin/env node
/**
 * `rplpipe` command line: argument parsing and dispatch only; each command calls the library API.
 * Exit codes: 0 success, 1 the work failed (bad recording, failed channel), 2 usage error (unknown option,
 * missing argument or file).
 */
import "./v8-flags.js"; // first: before anything compiles WebAssembly
import { parseArgs } from "node:util";
import { realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { RplpipeError } from "../errors.js";
import type { Command } from "./command.js";
import { UsageError } from "./usage-error.js";
import { infoCommand } from "./commands/info.js";
import { demoCommand } from "./commands/demo.js";
import { runCommand } from "./commands/run.js";
import { envsCommand } from "./commands/envs.js";
import { sortCommand } from "./commands/sort.js";
import { submitCommand } from "./commands/submit.js";
import { errorsCommand, statusCommand } from "./commands/status.js";
import { jobCommand } from "./commands/job.js";

/** Errors that mean the request itself is wrong (a path or name that does not exist): exit code 2. */
const kUsageCodes = new Set(["ERR_FILE_OPEN", "ERR_NO_CHANNEL", "ERR_NO_SESSION", "ERR_NOT_A_DIRECTORY", "ERR_NOT_A_LEVEL", "ERR_NOT_WRITABLE"]);

const commands: Command[] = [runCommand, sortCommand, submitCommand, statusCommand, errorsCommand, infoCommand, demoCommand, envsCommand, jobCommand];

function topUsage(): string {
  const rows = commands.map((c) => `  ${c.name.padEnd(10)} ${c.summary}`);
  return ["Usage: rplpipe <command> [options]", "", "Commands:", ...rows, "", "rplpipe <command> --help for details."].join(
    "\n",
  );
}

/** Runs the CLI with `argv` (without node and script); returns the exit code. Never throws. */
export async function main(
  argv: string[],
  stdout: NodeJS.WritableStream = process.stdout,
  stderr: NodeJS.WritableStream = process.stderr,
): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    stdout.write(topUsage() + "\n");
    return name === undefined ? 2 : 0;
  }
  if (name === "--version") {
    stdout.write("rplpipe 0.1.0\n");
    return 0;
  }
  const cmd = commands.find((c) => c.name === name);
  if (!cmd) {
    stderr.write(`rplpipe: unknown command "${name}"; commands: ${commands.map((c) => c.name).join(", ")}\n`);
    return 2;
  }
  try {
    const parsed = parseArgs({
      args: rest,
      options: { ...cmd.options, help: { type: "boolean", short: "h" } },
      allowPositionals: true,
      strict: true,
    });
    if (parsed.values.help) {
      stdout.write(cmd.usage + "\n");
      return 0;
    }
    return await cmd.run({
      positionals: parsed.positionals,
      values: parsed.values as Record<string, string | boolean | undefined>,
      stdout,
      stderr,
    });
  } catch (e) {
    const err = e as Error & { code?: string };
    // node:util parseArgs reports unknown options and missing values with ERR_PARSE_ARGS_* codes.
    if (e instanceof UsageError || (typeof err.code === "string" && err.code.startsWith("ERR_PARSE_ARGS"))) {
      stderr.write(`rplpipe ${cmd.name}: ${oneLine(err.message)} (see rplpipe ${cmd.name} --help)\n`);
      return 2;
    }
    if (e instanceof RplpipeError) {
      stderr.write(`rplpipe ${cmd.name}: ${oneLine(err.message)} [${e.code}]\n`);
      return kUsageCodes.has(e.code) ? 2 : 1;
    }
    stderr.write(`rplpipe ${cmd.name}: internal error: ${err.stack ?? String(e)}\n`);
    return 1;
  }
}

function oneLine(s: string): string {
  return s.replace(/\s*\n\s*/g, " ").trim();
}

// Run when executed directly (also through the npm bin symlink), not when imported by tests.
const invoked = process.argv[1] ? realpathSync(process.argv[1]) : "";
if (invoked === realpathSync(fileURLToPath(import.meta.url))) {
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
