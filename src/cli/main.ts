import { VERSION } from '../version.js';

export interface CliIo {
  out(line: string): void;
  err(line: string): void;
}

export const USAGE = `Usage: ai-scrum <command> [options]

Commands:
  help            show this text
  version         print the version

The GitHub Actions themselves run from action.yml and actions/*/action.yml.`;

/** Runs the `ai-scrum` command and returns its exit code. */
export async function runCli(args: readonly string[], io: CliIo): Promise<number> {
  const [command = 'help'] = args;
  switch (command) {
    case 'help':
    case '--help':
    case '-h':
      io.out(USAGE);
      return 0;
    case 'version':
    case '--version':
    case '-v':
      io.out(VERSION);
      return 0;
    default:
      io.err(`ai-scrum: unknown command '${command}'.\n\n${USAGE}`);
      return 2;
  }
}
