import { runAction } from './run-action.js';

// The action's code loads only once runAction has checked the runner's environment.
await runAction('ai-scrum-master/merge-gate', async (deps) => {
  const { runMergeGate } = await import(/* webpackMode: "eager" */ '../merge-gate/run.js');
  const { gitHubMergeGatePorts } = await import(
    /* webpackMode: "eager" */ '../github/merge-gate-ports.js'
  );
  await runMergeGate(deps, gitHubMergeGatePorts);
});
