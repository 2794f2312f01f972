import type { ActionDeps } from '../action-deps.js';
import { runContext } from '../dispatch/run.js';
import type { GitHubClient } from '../github/client.js';
import { createModelPort } from '../model/index.js';
import {
  changedProtectedPaths,
  DeveloperTools,
  repositoryMap,
  scrubbedEnv,
  stripGitCredentials,
} from '../scrum/tools/index.js';
import { WorkerGit } from './git.js';
import { renderSummary } from './report.js';
import { parseWorkerSettings } from './settings.js';
import { work, type WorkerPorts } from './worker.js';

/** Builds the worker's GitHub ports for a client and repository: the entry point's adapters. */
export type WorkerConnect = (
  client: GitHubClient,
  repo: { owner: string; repo: string },
) => WorkerPorts;

/**
 * The worker action: every input checked first, the checkout's persisted credentials removed,
 * then the use case, its outputs and job summary. A run that ended in an error still records
 * what it spent and fails the step.
 */
export async function runWorker(deps: ActionDeps, connect: WorkerConnect): Promise<void> {
  const settings = parseWorkerSettings(deps.input);
  const context = runContext(deps.env);
  const root = deps.env['GITHUB_WORKSPACE'] || process.cwd();
  const server = (deps.env['GITHUB_SERVER_URL'] || 'https://github.com').replace(/\/+$/, '');
  const started = deps.now();

  // The agent must find no credential in the workspace: actions/checkout persists its token
  // unless told not to.
  const removed = stripGitCredentials(root);
  for (const line of removed) deps.logger.warning(line);
  if (removed.length > 0)
    deps.logger.warning(
      'The checkout kept git credentials in the workspace; they were removed before the agent runs. Check out with `persist-credentials: false`, as the example workflow does.',
    );

  const ports = connect(deps.github(settings.token), { owner: context.owner, repo: context.repo });
  const model = createModelPort(settings.model);
  const baseUrl = settings.model.baseUrl?.trim();
  const git = new WorkerGit(
    root,
    `${server}/${context.owner}/${context.repo}.git`,
    settings.token,
    {
      name: 'AI Scrum Master',
      email: 'ai-scrum-master@users.noreply.github.com',
    },
  );
  const runUrl =
    context.runId > 0
      ? `${server}/${context.owner}/${context.repo}/actions/runs/${context.runId}`
      : null;
  const report = await work(settings, {
    ports,
    git,
    model,
    tools: () =>
      new DeveloperTools({
        root,
        protectedPaths: settings.protectedPaths,
        commandTimeoutMs: settings.commands.timeoutMs,
        outputLimit: 16_000,
        env: deps.env as NodeJS.ProcessEnv,
        sandbox: settings.sandbox,
      }),
    repositoryMap: () => repositoryMap(root, { footprint: settings.work.files }),
    changedProtectedPaths: (base) =>
      changedProtectedPaths(root, settings.protectedPaths, base, { againstBaseOnly: true }),
    qaEnv: scrubbedEnv(deps.env as NodeJS.ProcessEnv),
    logger: deps.logger,
    now: () => deps.now(),
    deadlineAt: new Date(started.getTime() + settings.deadlineMinutes * 60_000),
    runUrl,
    runTag: `${context.runId}.${context.runAttempt}`,
    modelSource: `${settings.model.provider}${baseUrl ? ` at ${baseUrl}` : ''}`,
  });

  deps.setOutput('outcome', report.outcome);
  deps.setOutput('pr-number', report.pull ? String(report.pull.number) : '');
  deps.setOutput('pr-url', report.pull?.url ?? '');
  deps.setOutput('cost-usd', report.costUsd.toFixed(6));
  deps.setOutput('input-tokens', String(report.usage.input + report.usage.cacheCreation));
  deps.setOutput('output-tokens', String(report.usage.output));
  deps.setOutput('cache-read-tokens', String(report.usage.cacheRead));
  deps.setOutput('revisions', String(report.revisions));
  deps.logger.info(
    `#${settings.work.issue}: ${report.outcome}. ${report.reason} Cost $${report.costUsd.toFixed(4)} (issue $${report.issueCostUsd.toFixed(4)}).`,
  );
  if (report.ciStarted)
    deps.logger.info(`Started ${report.ciStarted} on ${settings.work.branch} (workflow_dispatch).`);
  await deps.writeSummary(renderSummary(report));
  // Recorded in the ledger and on the issue; the step still fails, so the run shows it.
  if (report.error)
    throw new Error(`The worker stopped on #${settings.work.issue}: ${report.reason}`);
}
