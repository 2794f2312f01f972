import type { Logger } from './logger.js';
import type { InputSource } from './settings/inputs.js';

/** What every action's `run` receives; the entry point builds the real ones, tests build fakes. */
export interface ActionDeps {
  input: InputSource;
  env: Readonly<Record<string, string | undefined>>;
  logger: Logger;
}

export type ActionRun = (deps: ActionDeps) => Promise<void>;
