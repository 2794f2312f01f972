import { runAction } from './run-action.js';

// The actions' code loads only once runAction has checked the runner's environment.
await runAction('ai-scrum-master', async (deps) => {
  const { runCommand } = await import(/* webpackMode: "eager" */ '../router.js');
  await runCommand(deps);
});
