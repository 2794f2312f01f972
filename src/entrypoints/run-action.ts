import * as actionsCore from '@actions/core';
import { readFileSync } from 'node:fs';
import type { ActionRun } from '../action-deps.js';
import { ConfigurationError, errorMessage, oneLine } from '../errors.js';
import { describeGitHubFailure } from '../github/api-errors.js';
import type { GitHubClient, GitHubClientOptions } from '../github/client.js';
import { endpointsFromEnv, type Endpoints } from '../github/endpoints.js';
import { VIEWER_QUERY } from '../github/graphql.js';
import type { Logger } from '../logger.js';

/** The part of `@actions/core` an entry point uses; tests pass a recording one. */
export type ActionsCore = Pick<
  typeof actionsCore,
  'getInput' | 'setFailed' | 'debug' | 'info' | 'warning' | 'error' | 'setOutput'
> & { summary: { addRaw(text: string, addEOL?: boolean): { write(): Promise<unknown> } } };

export function actionsLogger(core: ActionsCore): Logger {
  return {
    debug: (message) => core.debug(message),
    info: (message) => core.info(message),
    warning: (message) => core.warning(message),
    error: (message) => core.error(message),
  };
}

/**
 * Runs one action with real adapters. The runner's environment is checked first; any error then
 * fails the step with one line naming the action, and for GitHub's refusals and unreachable
 * endpoints, what to change.
 */
export async function runAction(
  name: string,
  run: ActionRun,
  core: ActionsCore = actionsCore,
  env: NodeJS.ProcessEnv = process.env,
): Promise<void> {
  const logger = actionsLogger(core);
  let endpoints: Endpoints | undefined;
  let connect: ((options: GitHubClientOptions) => GitHubClient) | undefined;
  const tokens = new Set<string>();
  try {
    checkEventFile(env);
    endpoints = endpointsFromEnv(env);
    // Loaded only now: @actions/github reads GITHUB_EVENT_PATH and GITHUB_API_URL as it loads and
    // throws on a malformed one, before any message of ours. Eager: no separate bundle chunk.
    const { createGitHubClient } = await import(/* webpackMode: "eager" */ '../github/client.js');
    connect = createGitHubClient;
    const options = { ...endpoints, logger };
    await run({
      input: (input) => core.getInput(input),
      env,
      logger,
      setOutput: (output, value) => core.setOutput(output, value),
      writeSummary: async (markdown) => {
        if (env['GITHUB_STEP_SUMMARY']) await core.summary.addRaw(markdown, true).write();
      },
      github: (token) => {
        tokens.add(token);
        return createGitHubClient({
          token,
          ...options,
          // Content-creating requests are spaced 1 s apart as GitHub asks; against the local twin
          // a test may shorten that.
          ...(env['AI_SCRUM_WRITE_INTERVAL_MS']
            ? { writeIntervalMs: Number(env['AI_SCRUM_WRITE_INTERVAL_MS']) }
            : {}),
        });
      },
      now: () => new Date(),
    });
  } catch (error) {
    const at = endpoints;
    const explained =
      at &&
      (await describeGitHubFailure(error, {
        endpoints: at,
        env,
        identify: async () => {
          // With one token there is no doubt whose request was refused.
          const [token] = tokens;
          if (!connect || !token || tokens.size > 1) return undefined;
          return identity(connect({ token, ...at, ...PROMPTLY }));
        },
      }));
    core.setFailed(`${name} failed: ${oneLine(explained || errorMessage(error))}`);
  }
}

/** A failure message must not wait long on the question of who the token is. */
const PROMPTLY = { requestTimeoutMs: 10_000, maxRetries: 0, maxRateLimitRetries: 0 };

async function identity(client: GitHubClient): Promise<string | undefined> {
  try {
    return (await client.graphql<{ viewer: { login: string } }>(VIEWER_QUERY)).viewer.login;
  } catch {
    return undefined;
  }
}

/**
 * The runner writes the triggering event to GITHUB_EVENT_PATH. No action reads it yet, but
 * @actions/github parses it as it loads, so a missing or malformed file is reported here, by name.
 */
function checkEventFile(env: NodeJS.ProcessEnv): void {
  const path = env['GITHUB_EVENT_PATH'];
  if (!path) return;
  const named = `GITHUB_EVENT_PATH is ${JSON.stringify(path)}, which`;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigurationError(
      (error as { code?: unknown }).code === 'ENOENT'
        ? `${named} does not exist; the runner writes the triggering event there.`
        : `${named} cannot be read (${errorMessage(error)}).`,
    );
  }
  let event: unknown;
  try {
    event = JSON.parse(text);
  } catch (error) {
    throw new ConfigurationError(`${named} is not JSON (${errorMessage(error)}).`);
  }
  if (typeof event !== 'object' || event === null || Array.isArray(event)) {
    throw new ConfigurationError(`${named} holds no JSON object.`);
  }
}
