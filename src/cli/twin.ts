import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { errorMessage } from '../errors.js';
import { startTwin } from '../twin/index.js';
import { describeArgsProblem, parseCommandLine, usageError } from './args.js';
import type { CliIo } from './main.js';
import { TWIN_OPTIONS } from './usage.js';

/** `ai-scrum twin`: serves until `shutdown` resolves (a signal, in the real command). */
export async function runTwinCommand(
  args: readonly string[],
  io: CliIo,
  shutdown: () => Promise<void>,
): Promise<number> {
  const parsed = parseCommandLine(args, { options: TWIN_OPTIONS, positionals: 0 });
  if ('problem' in parsed) {
    io.err(usageError('twin', describeArgsProblem(parsed.problem)));
    return 2;
  }
  const options = parsed.values;
  if (!options.fixture) {
    io.err(usageError('twin', '--fixture FILE is required'));
    return 2;
  }
  const port = /^\d+$/.test(options.port ?? '0') ? Number(options.port ?? 0) : NaN;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    io.err(
      usageError(
        'twin',
        `--port must be a whole number from 0 to 65535, not ${JSON.stringify(options.port)}`,
      ),
    );
    return 2;
  }
  let fixture: unknown;
  try {
    fixture = JSON.parse(readFileSync(resolve(options.fixture), 'utf8'));
  } catch (error) {
    io.err(`ai-scrum twin: cannot read fixture ${options.fixture}: ${errorMessage(error)}`);
    return 2;
  }
  let twin;
  try {
    twin = await startTwin(fixture, {
      port,
      stateDir: options['state-dir'] === undefined ? undefined : resolve(options['state-dir']),
      modelScriptsDir:
        options['model-scripts'] === undefined ? undefined : resolve(options['model-scripts']),
    });
  } catch (error) {
    io.err(`ai-scrum twin: ${errorMessage(error)}`);
    return 2;
  }
  io.out(JSON.stringify(twin.urls));
  await shutdown();
  await twin.stop();
  return 0;
}

export function untilSignal(): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      process.off('SIGINT', done);
      process.off('SIGTERM', done);
      resolve();
    };
    process.on('SIGINT', done);
    process.on('SIGTERM', done);
  });
}
