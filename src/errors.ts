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

/** The message of anything thrown; Node's own errors may come from another realm than our Error. */
export function errorMessage(error: unknown): string {
  const message = (error as { message?: unknown } | null | undefined)?.message;
  return typeof message === 'string' ? message : String(error);
}

/** Text on one line, as a workflow annotation shows it. */
export function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}
