import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { errorMessage } from '../errors.js';
import { startTwin } from '../twin/server.js';
import type { CliIo } from './main.js';

export const TWIN_USAGE = `Usage: ai-scrum twin --fixture FILE [--port N] [--state-dir DIR] [--model-scripts DIR]

Starts the local GitHub twin and scripted model on 127.0.0.1, prints one JSON line with their
URLs (api, graphql, git, model) and serves until SIGINT or SIGTERM.`;

/** `ai-scrum twin`: serves until `shutdown` resolves (a signal, in the real command). */
export async function runTwinCommand(
  args: readonly string[],
  io: CliIo,
  shutdown: () => Promise<void>,
): Promise<number> {
  let options;
  try {
    options = parseArgs({
      args: [...args],
      options: {
        fixture: { type: 'string' },
        port: { type: 'string' },
        'state-dir': { type: 'string' },
        'model-scripts': { type: 'string' },
        help: { type: 'boolean' },
      },
      strict: true,
    }).values;
  } catch (error) {
    io.err(`ai-scrum twin: ${errorMessage(error)}\n\n${TWIN_USAGE}`);
    return 2;
  }
  if (options.help) {
    io.out(TWIN_USAGE);
    return 0;
  }
  if (!options.fixture) {
    io.err(`ai-scrum twin: --fixture FILE is required.\n\n${TWIN_USAGE}`);
    return 2;
  }
  const port = options.port === undefined ? 0 : Number(options.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    io.err(
      `ai-scrum twin: --port must be a whole number from 0 to 65535, not ${JSON.stringify(options.port)}.`,
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
