/** The narrow logging port every use case receives; adapters decide where lines go. */
export interface Logger {
  debug(message: string): void;
  info(message: string): void;
  warning(message: string): void;
  error(message: string): void;
}

export interface RecordedLine {
  level: keyof Logger;
  message: string;
}

/** A logger that keeps its lines, for tests and for the CLI's quiet mode. */
export class RecordingLogger implements Logger {
  readonly lines: RecordedLine[] = [];
  debug(message: string): void {
    this.lines.push({ level: 'debug', message });
  }
  info(message: string): void {
    this.lines.push({ level: 'info', message });
  }
  warning(message: string): void {
    this.lines.push({ level: 'warning', message });
  }
  error(message: string): void {
    this.lines.push({ level: 'error', message });
  }
}
