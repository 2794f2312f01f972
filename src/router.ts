import type { ActionDeps, ActionRun } from './action-deps.js';
import { COMMANDS, type Command } from './action-io.js';
import { runDispatch } from './dispatch/run.js';
import { gitHubDispatchPorts } from './github/dispatch-ports.js';
import { gitHubMergeGatePorts } from './github/merge-gate-ports.js';
import { gitHubWorkerPorts } from './github/worker-ports.js';
import { runMergeGate } from './merge-gate/run.js';
import { Inputs } from './settings/inputs.js';
import { runWorker } from './worker/run.js';

export const ACTION_RUNS: Readonly<Record<Command, ActionRun>> = {
  // The root action is an entry point too: it hands each use case its GitHub adapters.
  dispatch: (deps) => runDispatch(deps, gitHubDispatchPorts),
  worker: (deps) => runWorker(deps, gitHubWorkerPorts),
  'merge-gate': (deps) => runMergeGate(deps, gitHubMergeGatePorts),
};

/** The root action: the `command` input picks which action runs, with the same inputs. */
export async function runCommand(deps: ActionDeps): Promise<void> {
  const command = new Inputs(deps.input, { command: '' }).oneOf('command', COMMANDS);
  deps.logger.info(`ai-scrum-master: running ${command}`);
  await ACTION_RUNS[command](deps);
}
