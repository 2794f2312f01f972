import type { ActionDeps } from '../action-deps.js';
import { NotImplementedError } from '../errors.js';
import { parseMergeGateSettings } from './settings.js';

export async function runMergeGate(deps: ActionDeps): Promise<void> {
  parseMergeGateSettings(deps.input);
  throw new NotImplementedError('The merge-gate action');
}
