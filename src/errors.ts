/**
 * Errors are values with a code, an exit status and a hint that tells the user what to do.
 * The CLI prints `error: <message>` then `hint: <hint>` and exits with `exitCode`.
 */

export type ErrorCode =
  | "usage" // bad flags or flag combinations (exit 2, nothing changed)
  | "config" // bad or missing config (exit 2, nothing changed)
  | "store" // the LanceDB store cannot be read or written (exit 1)
  | "source" // a live database failed (exit 1)
  | "empty" // nothing to report / nothing to work on (exit 1)
  | "failed"; // the work itself failed (exit 1)

export class DatusError extends Error {
  readonly code: ErrorCode;
  readonly hint: string;
  readonly exitCode: 1 | 2;

  constructor(code: ErrorCode, message: string, hint = "", options?: { cause?: unknown }) {
    super(message, options);
    this.name = "DatusError";
    this.code = code;
    this.hint = hint;
    this.exitCode = code === "usage" || code === "config" ? 2 : 1;
  }
}

export function usageError(message: string, hint = ""): DatusError {
  return new DatusError("usage", message, hint);
}

export function configError(message: string, hint = ""): DatusError {
  return new DatusError("config", message, hint);
}

/** The message of anything thrown, for logs and reports. */
export function describeError(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
