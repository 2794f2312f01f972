import type { ActionDeps } from '../action-deps.js';
import { NotImplementedError } from '../errors.js';
import { parseDispatchSettings } from './settings.js';

export async function runDispatch(deps: ActionDeps): Promise<void> {
  parseDispatchSettings(deps.input);
  throw new NotImplementedError('The dispatch action');
}
