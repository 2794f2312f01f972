import { runAction } from './run-action.js';

// The action's code loads only once runAction has checked the runner's environment.
await runAction('ai-scrum-master/worker', async (deps) => {
  const { runWorker } = await import(/* webpackMode: "eager" */ '../worker/run.js');
  const { gitHubWorkerPorts } = await import(
    /* webpackMode: "eager" */ '../github/worker-ports.js'
  );
  await runWorker(deps, gitHubWorkerPorts);
});
