import { runWorker } from '../worker/run.js';
import { runAction } from './run-action.js';

await runAction('ai-scrum-master/worker', runWorker);
