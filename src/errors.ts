// Errors that map to exit codes. Anything else reaching the CLI is an internal error (exit 3).

export interface Diagnostic {
  file?: string;
  line?: number;
  column?: number;
  /** JSON pointer in the site file, when the problem is in one. */
  path?: string;
  message: string;
  hint?: string;
  /** The offending source line, for a caret display. */
  source?: string;
}

/** Bad input: unreadable file, bad YAML, schema violations, unknown names. Exit code 2. */
export class ConfigError extends Error {
  readonly exitCode = 2;
  constructor(
    message: string,
    readonly diagnostics: Diagnostic[] = [],
  ) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** Wrong command-line usage. Exit code 2. */
export class UsageError extends ConfigError {
  constructor(message: string, hint?: string) {
    super(message, [{ message, ...(hint ? { hint } : {}) }]);
    this.name = 'UsageError';
  }
}

export function isConfigError(err: unknown): err is ConfigError {
  return err instanceof ConfigError;
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
