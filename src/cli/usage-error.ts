/** A mistake on the command line (unknown option, missing argument, missing file): one line, exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}
