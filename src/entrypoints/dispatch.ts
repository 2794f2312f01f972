import { runDispatch } from '../dispatch/run.js';
import { runAction } from './run-action.js';

await runAction('ai-scrum-master/dispatch', runDispatch);
