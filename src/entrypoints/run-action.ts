import * as actionsCore from '@actions/core';
import type { ActionRun } from '../action-deps.js';
import { errorMessage } from '../errors.js';
import { createGitHubClient, endpointsFromEnv } from '../github/client.js';
import type { Logger } from '../logger.js';

/** The part of `@actions/core` an entry point uses; tests pass a recording one. */
export type ActionsCore = Pick<
  typeof actionsCore,
  'getInput' | 'setFailed' | 'debug' | 'info' | 'warning' | 'error' | 'setOutput'
> & { summary: { addRaw(text: string, addEOL?: boolean): { write(): Promise<unknown> } } };

export function actionsLogger(core: ActionsCore): Logger {
  return {
    debug: (message) => core.debug(message),
    info: (message) => core.info(message),
    warning: (message) => core.warning(message),
    error: (message) => core.error(message),
  };
}

/** Runs one action with real adapters; any error fails the step with a message naming the action. */
export async function runAction(
  name: string,
  run: ActionRun,
  core: ActionsCore = actionsCore,
  env: NodeJS.ProcessEnv = process.env,
): Promise<void> {
  const logger = actionsLogger(core);
  try {
    await run({
      input: (input) => core.getInput(input),
      env,
      logger,
      setOutput: (output, value) => core.setOutput(output, value),
      writeSummary: async (markdown) => {
        if (env['GITHUB_STEP_SUMMARY']) await core.summary.addRaw(markdown, true).write();
      },
      github: (token) =>
        createGitHubClient({
          token,
          ...endpointsFromEnv(env),
          logger,
          // Content-creating requests are spaced 1 s apart as GitHub asks; against the local twin
          // a test may shorten that.
          ...(env['AI_SCRUM_WRITE_INTERVAL_MS']
            ? { writeIntervalMs: Number(env['AI_SCRUM_WRITE_INTERVAL_MS']) }
            : {}),
        }),
      now: () => new Date(),
    });
  } catch (error) {
    core.setFailed(`${name} failed: ${errorMessage(error)}`);
  }
}
