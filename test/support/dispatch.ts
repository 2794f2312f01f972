import type { ActionDeps } from '../../src/action-deps.js';
import { createGitHubClient } from '../../src/github/client.js';
import { RecordingLogger } from '../../src/logger.js';
import type { Twin } from '../../src/twin/index.js';

/** An action's dependencies pointed at the twin, recording outputs and the summary. */
export function twinDeps(
  twin: Twin,
  inputs: Record<string, string>,
  env: Record<string, string> = {},
) {
  const outputs: Record<string, string> = {};
  const summaries: string[] = [];
  const logger = new RecordingLogger();
  const deps: ActionDeps = {
    input: (name) => inputs[name] ?? '',
    env: { ...twin.env('ghs_bot'), GITHUB_RUN_ID: '900', GITHUB_RUN_ATTEMPT: '1', ...env },
    logger,
    setOutput: (name, value) => {
      outputs[name] = value;
    },
    writeSummary: async (markdown) => {
      summaries.push(withoutLinks(markdown));
    },
    github: (token) =>
      createGitHubClient({
        token,
        apiUrl: twin.urls.api,
        graphqlUrl: twin.urls.graphql,
        logger,
        writeIntervalMs: 0,
        msPerSecond: 1,
      }),
    now: () => new Date(),
  };
  return { deps, outputs, summaries, logger };
}

/**
 * A summary with its issue links shown as `#N`, as the tests read it (the links themselves are
 * checked in summary.test.ts).
 */
export function withoutLinks(markdown: string): string {
  return markdown.replace(/\[#(\d+)\]\([^)\s]*\)/g, '#$1');
}
