import { VERSION } from '../version.js';
import { asksForHelp, describeArgsProblem, parseCommandLine, usageError } from './args.js';
import {
  COVERAGE_USAGE,
  DEMO_USAGE,
  HELP_USAGE,
  PLAN_USAGE,
  TWIN_USAGE,
  USAGE,
  VERSION_USAGE,
} from './usage.js';

export { USAGE } from './usage.js';

export interface CliIo {
  out(line: string): void;
  err(line: string): void;
}

export interface CliDeps {
  /** Resolves when a long-running command should stop (SIGINT or SIGTERM in the real command). */
  shutdown: () => Promise<void>;
}

const COMMANDS = {
  demo: DEMO_USAGE,
  twin: TWIN_USAGE,
  coverage: COVERAGE_USAGE,
  plan: PLAN_USAGE,
  version: VERSION_USAGE,
  help: HELP_USAGE,
} as const;
type Command = keyof typeof COMMANDS;

const SPELLINGS: Record<string, Command> = {
  '--help': 'help',
  '-h': 'help',
  '--version': 'version',
  '-v': 'version',
};

const isCommand = (name: string): name is Command => Object.hasOwn(COMMANDS, name);

/** Runs the `ai-scrum` command and returns its exit code. */
export async function runCli(args: readonly string[], io: CliIo, deps?: CliDeps): Promise<number> {
  const [first = 'help', ...rest] = args;
  const command = SPELLINGS[first] ?? first;
  if (!isCommand(command)) {
    const what = first.startsWith('-') ? 'option' : 'command';
    io.err(usageError(undefined, `unknown ${what} '${first}'`));
    return 2;
  }
  if (asksForHelp(rest)) {
    io.out(COMMANDS[command]);
    return 0;
  }
  switch (command) {
    case 'help': {
      const parsed = parseCommandLine(rest, { options: [], positionals: 1 });
      if ('problem' in parsed) {
        io.err(usageError(command, describeArgsProblem(parsed.problem)));
        return 2;
      }
      const [topic] = parsed.positionals;
      if (topic === undefined) {
        io.out(USAGE);
        return 0;
      }
      if (!isCommand(topic)) {
        io.err(usageError(undefined, `unknown command '${topic}'`));
        return 2;
      }
      io.out(COMMANDS[topic]);
      return 0;
    }
    case 'version': {
      const parsed = parseCommandLine(rest, { options: [], positionals: 0 });
      if ('problem' in parsed) {
        io.err(usageError(command, describeArgsProblem(parsed.problem)));
        return 2;
      }
      io.out(VERSION);
      return 0;
    }
    case 'twin': {
      // Loaded on demand: the twin pulls in GitHub's whole GraphQL schema.
      const { runTwinCommand, untilSignal } = await import('./twin.js');
      return runTwinCommand(rest, io, deps?.shutdown ?? untilSignal);
    }
    case 'coverage': {
      const { runCoverageCommand } = await import('./coverage.js');
      return runCoverageCommand(rest, io);
    }
    case 'plan': {
      // Loaded on demand: planning pulls in the GitHub client and dispatch.
      const { runPlanCommand } = await import('./plan.js');
      return runPlanCommand(rest, io, process.env);
    }
    case 'demo': {
      const parsed = parseCommandLine(rest, {
        options: ['json', 'html', 'out'],
        flags: ['live'],
        positionals: 0,
      });
      if ('problem' in parsed) {
        io.err(usageError(command, describeArgsProblem(parsed.problem)));
        return 2;
      }
      // Loaded on demand: the demo starts the twin.
      const { runDemo } = await import('./demo/run.js');
      return runDemo(
        {
          json: parsed.values.json ?? null,
          html: parsed.values.html ?? null,
          outDir: parsed.values.out ?? 'demo-output',
          live: parsed.values.live === 'true',
        },
        io,
      );
    }
  }
}
