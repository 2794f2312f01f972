import type { ActionDeps } from '../action-deps.js';
import { runContext, runUrlOf } from '../dispatch/run.js';
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
import { metered, parseObserveSettings, publish } from '../observe/publish.js';
import type { Notice, ProjectStatus, StatusChange } from '../observe/types.js';
import { work, type WorkerPorts, type WorkerReport } from './worker.js';

/** Failures and a spent budget are worth a message; approved work waits for the gate's. */
export function workerNotices(
  report: WorkerReport,
  repository: string,
  runUrl: string | null,
): Notice[] {
  const kind =
    report.outcome === 'budget-exhausted'
      ? 'budget'
      : report.outcome === 'failed' || report.outcome === 'rejected' || report.error
        ? 'failed'
        : null;
  if (!kind) return [];
  return [
    {
      kind,
      repository,
      issue: report.issue,
      pull: report.pull?.number ?? null,
      title: report.issueTitle,
      detail: `${report.outcome}: ${report.reason}`,
      url: report.pull?.url ?? runUrl,
      costUsd: report.issueCostUsd,
    },
  ];
}

/**
 * The board's view of the attempt: approved work is in review; a final failure (rejected, a
 * blocking finding, the issue's own budget) has failed; anything that gets another attempt is
 * queued again. A superseded worker says nothing: the issue is another claim's.
 */
export function workerStatuses(report: WorkerReport): StatusChange[] {
  const status = ((): ProjectStatus | null => {
    switch (report.outcome) {
      case 'approved':
      case 'resolved':
        return 'in review';
      case 'rejected':
        return 'failed';
      case 'failed':
        return report.findings.some((f) => f.severity === 'high') ? 'failed' : 'queued';
      case 'budget-exhausted':
        return report.issueBudgetBound ? 'failed' : 'queued';
      case 'deadline':
        return 'queued';
      case 'decomposed':
        return 'in progress';
      case 'superseded':
        return null;
    }
  })();
  return status ? [{ issue: report.issue, status }] : [];
}

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
export async function runWorker(given: ActionDeps, connect: WorkerConnect): Promise<void> {
  const settings = parseWorkerSettings(given.input);
  const observe = parseObserveSettings(given.input, settings.token);
  const { deps, totals } = metered(given);
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
  const runUrl = runUrlOf(deps.env, context);
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

  deps.setOutput('pr-number', report.pull ? String(report.pull.number) : '');
  deps.setOutput('pr-url', report.pull?.url ?? '');
  deps.logger.info(
    `#${settings.work.issue}: ${report.outcome}. ${report.reason} Cost $${report.costUsd.toFixed(4)} (issue $${report.issueCostUsd.toFixed(4)}).`,
  );
  if (report.ciStarted)
    deps.logger.info(`Started ${report.ciStarted} on ${settings.work.branch} (workflow_dispatch).`);
  await deps.writeSummary(renderSummary(report));
  await publish(deps, observe, {
    figures: {
      action: 'worker',
      ...totals(),
      durationSeconds: (deps.now().getTime() - started.getTime()) / 1000,
      issue: settings.work.issue,
      outcome: report.outcome,
      costUsd: report.costUsd,
      issueCostUsd: report.issueCostUsd,
      inputTokens: report.usage.input + report.usage.cacheCreation,
      outputTokens: report.usage.output,
      cacheReadTokens: report.usage.cacheRead,
      revisions: report.revisions,
    },
    notices: workerNotices(report, `${context.owner}/${context.repo}`, runUrl),
    statuses: workerStatuses(report),
    repo: { owner: context.owner, repo: context.repo },
  });
  // Recorded in the ledger and on the issue; the step still fails, so the run shows it.
  if (report.error)
    throw new Error(`The worker stopped on #${settings.work.issue}: ${report.reason}`);
}
