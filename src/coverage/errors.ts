/** Where in a report a problem is: a line (text formats, XML) or a byte offset (JSON). */
export type ReportPosition = { line: number; column?: number } | { byte: number };

/** A report that cannot be read: truncated, corrupt, or not the format it claims to be. */
export class CoverageError extends Error {
  override name = 'CoverageError';
  readonly file: string;
  readonly position: ReportPosition | undefined;

  constructor(file: string, position: ReportPosition | undefined, reason: string) {
    super(`${file}${describePosition(position)}: ${reason}`);
    this.file = file;
    this.position = position;
  }
}

function describePosition(position: ReportPosition | undefined): string {
  if (position === undefined) return '';
  if ('byte' in position) return ` at byte ${position.byte}`;
  return `:${position.line}${position.column === undefined ? '' : `:${position.column}`}`;
}
