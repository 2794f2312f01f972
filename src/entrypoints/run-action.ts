import * as actionsCore from '@actions/core';
import type { ActionRun } from '../action-deps.js';
import { errorMessage } from '../errors.js';
import type { Logger } from '../logger.js';

/** The part of `@actions/core` an entry point uses; tests pass a recording one. */
export type ActionsCore = Pick<
  typeof actionsCore,
  'getInput' | 'setFailed' | 'debug' | 'info' | 'warning' | 'error'
>;

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
  try {
    await run({ input: (input) => core.getInput(input), env, logger: actionsLogger(core) });
  } catch (error) {
    core.setFailed(`${name} failed: ${errorMessage(error)}`);
  }
}
