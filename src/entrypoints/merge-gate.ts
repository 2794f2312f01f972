import { runMergeGate } from '../merge-gate/run.js';
import { runAction } from './run-action.js';

await runAction('ai-scrum-master/merge-gate', runMergeGate);
