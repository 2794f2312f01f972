/** Something the user must fix (an input, a workflow setting), as opposed to a bug of ours. */
export class ConfigurationError extends Error {
  override name = 'ConfigurationError';
}

/** An action or command that a later release implements; it must never pretend to succeed. */
export class NotImplementedError extends Error {
  override name = 'NotImplementedError';
  constructor(what: string) {
    super(`${what} is not implemented yet in ai-scrum-master; nothing was changed.`);
  }
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
