import { runCommand } from '../router.js';
import { runAction } from './run-action.js';

await runAction('ai-scrum-master', runCommand);
