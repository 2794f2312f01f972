import { VERSION } from '../version.js';

export interface CliIo {
  out(line: string): void;
  err(line: string): void;
}

export const USAGE = `Usage: ai-scrum <command> [options]

Commands:
  twin --fixture FILE   serve the local GitHub twin and scripted model (see docs/twin.md)
  help                  show this text
  version               print the version

The GitHub Actions themselves run from action.yml and actions/*/action.yml.`;

export interface CliDeps {
  /** Resolves when a long-running command should stop (SIGINT or SIGTERM in the real command). */
  shutdown: () => Promise<void>;
}

/** Runs the `ai-scrum` command and returns its exit code. */
export async function runCli(args: readonly string[], io: CliIo, deps?: CliDeps): Promise<number> {
  const [command = 'help', ...rest] = args;
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
    case 'twin': {
      // Loaded on demand: the twin pulls in GitHub's whole GraphQL schema.
      const { runTwinCommand, untilSignal } = await import('./twin.js');
      return runTwinCommand(rest, io, deps?.shutdown ?? untilSignal);
    }
    default:
      io.err(`ai-scrum: unknown command '${command}'.\n\n${USAGE}`);
      return 2;
  }
}
