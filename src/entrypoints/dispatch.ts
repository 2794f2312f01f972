import { runAction } from './run-action.js';

// The action's code (and @actions/github with it) loads only once runAction has checked the
// runner's environment; see run-action.ts.
await runAction('ai-scrum-master/dispatch', async (deps) => {
  const { runDispatch } = await import(/* webpackMode: "eager" */ '../dispatch/run.js');
  const { gitHubDispatchPorts } = await import(
    /* webpackMode: "eager" */ '../github/dispatch-ports.js'
  );
  await runDispatch(deps, gitHubDispatchPorts);
});
