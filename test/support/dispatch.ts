import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { ActionDeps } from '../../src/action-deps.js';
import { createGitHubClient } from '../../src/github/client.js';
import { RecordingLogger } from '../../src/logger.js';
import type { FixtureInput, Twin } from '../../src/twin/index.js';
import { ROOT } from './source.js';

type TokenEntry = NonNullable<FixtureInput['tokens']>[string];

/**
 * The `permissions:` block of the example workflow (docs/examples/dispatch.yml): what a
 * GITHUB_TOKEN running dispatch holds, and all it holds.
 */
export function documentedDispatchPermissions(): Record<string, string> {
  const workflow = parse(readFileSync(join(ROOT, 'docs/examples/dispatch.yml'), 'utf8')) as {
    permissions: Record<string, string>;
  };
  return workflow.permissions;
}

/**
 * A fixture token for dispatch's GITHUB_TOKEN: `github-actions[bot]` limited to the example
 * workflow's `permissions:` block, as on a runner (everything else `none`, metadata read).
 */
export function dispatchToken(): TokenEntry {
  return {
    login: 'github-actions[bot]',
    permissions: documentedDispatchPermissions(),
  } as TokenEntry;
}

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
