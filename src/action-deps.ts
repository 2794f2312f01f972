import type { GitHubClient } from './github/client.js';
import type { Logger } from './logger.js';
import type { InputSource } from './settings/inputs.js';

/** What every action's `run` receives; the entry point builds the real ones, tests build fakes. */
export interface ActionDeps {
  input: InputSource;
  env: Readonly<Record<string, string | undefined>>;
  logger: Logger;
  setOutput(name: string, value: string): void;
  /** Appends Markdown to the job summary. */
  writeSummary(markdown: string): Promise<void>;
  /** A GitHub client for a token, pointed where the environment says (github.com, GHES, the twin). */
  github(token: string): GitHubClient;
  now(): Date;
}

export type ActionRun = (deps: ActionDeps) => Promise<void>;
