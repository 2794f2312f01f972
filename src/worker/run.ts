import type { ActionDeps } from '../action-deps.js';
import { NotImplementedError } from '../errors.js';
import { parseWorkerSettings } from './settings.js';

export async function runWorker(deps: ActionDeps): Promise<void> {
  parseWorkerSettings(deps.input);
  throw new NotImplementedError('The worker action');
}
