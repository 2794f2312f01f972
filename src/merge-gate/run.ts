import { readFileSync } from 'node:fs';
import type { ActionDeps } from '../action-deps.js';
import { runContext, runUrlOf } from '../dispatch/run.js';
import { ConfigurationError } from '../errors.js';
import type { GitHubClient } from '../github/client.js';
import {
  BRANCH_PREFIX,
  GATE_CONTEXT,
  mergeGate,
  type GatePorts,
  type GateWorkspace,
} from './gate.js';
import { parseMergeGateSettings } from './settings.js';
import { renderGateReport } from './summary.js';
import { RunnerWorkspace } from './workspace.js';
import { metered, parseObserveSettings, publish } from '../observe/publish.js';

/** Builds the gate's GitHub ports for a client and repository: the entry point's adapters. */
export type GateConnect = (
  client: GitHubClient,
  repo: { owner: string; repo: string },
  ownContexts: readonly string[],
) => Omit<GatePorts, 'workspace'>;

/**
 * The pull request an event names: `pull_request` and `pull_request_target`, a `workflow_run`
 * (CI completed) or `check_suite` for one pull request, or an `issue_comment` on one.
 */
export function pullFromEvent(event: GateEvent): number {
  const candidates = [
    event.pull_request?.number,
    event.workflow_run?.pull_requests?.[0]?.number,
    event.check_suite?.pull_requests?.[0]?.number,
    event.issue?.pull_request ? event.issue.number : undefined,
  ];
  const found = candidates.find((n): n is number => Number.isSafeInteger(n) && n! > 0);
  return found ?? 0;
}

/** The parts of a webhook payload that can name a pull request. */
export interface GateEvent {
  pull_request?: { number?: number; head?: { sha?: string } };
  workflow_run?: {
    id?: number;
    head_sha?: string;
    pull_requests?: { number?: number }[];
    head_branch?: string;
  };
  check_suite?: { pull_requests?: { number?: number }[] };
  issue?: { number?: number; pull_request?: unknown };
  /** Who caused the event: for CI a worker started, the ledger's writer. */
  sender?: { login?: string };
}

function readEvent(env: ActionDeps['env']): GateEvent {
  const path = env['GITHUB_EVENT_PATH'];
  if (!path) return {};
  return JSON.parse(readFileSync(path, 'utf8')) as GateEvent;
}

const sleeper = (msPerSecond: number) => (ms: number) =>
  new Promise<void>((resolve) => setTimeout(resolve, (ms * msPerSecond) / 1000));

/**
 * The merge-gate action: settings from its inputs, the pull request from the input or the event,
 * then the use case, its outputs, its job summary.
 */
export async function runMergeGate(given: ActionDeps, connect: GateConnect): Promise<void> {
  const settings = parseMergeGateSettings(given.input);
  const observe = parseObserveSettings(given.input, settings.token);
  const { deps, totals } = metered(given);
  const started = deps.now();
  const context = runContext(deps.env);
  const github = connect(
    deps.github(settings.token),
    { owner: context.owner, repo: context.repo },
    [GATE_CONTEXT],
  );
  const event = readEvent(deps.env);
  if (settings.mode === 'gate' && settings.pullRequest === 0) {
    settings.pullRequest = pullFromEvent(event);
    // A CI run the worker started with workflow_dispatch carries no pull request, only its
    // branch: the workflow_run's, or the run's own ref when the gate is a step of that run.
    const branch =
      event.workflow_run?.head_branch ??
      (context.event === 'workflow_dispatch' || context.event === 'push'
        ? deps.env['GITHUB_REF_NAME']
        : undefined);
    if (settings.pullRequest === 0 && branch?.startsWith(BRANCH_PREFIX))
      settings.pullRequest = (await github.github.pullForBranch(branch)) ?? 0;
    if (settings.pullRequest === 0)
      throw new ConfigurationError(
        `Input pull-request is empty and the ${context.event || 'triggering'} event names no pull request; expected a pull request number, or a pull_request or workflow_run event.`,
      );
  }
  const server = (deps.env['GITHUB_SERVER_URL'] || 'https://github.com').replace(/\/+$/, '');
  const workspace: GateWorkspace = new RunnerWorkspace(
    deps.env['GITHUB_WORKSPACE'] || process.cwd(),
    {
      serverUrl: server,
      token: settings.token,
    },
  );
  const ports = { ...github, workspace };
  const runUrl = runUrlOf(deps.env, context);
  // Tests against the twin shorten the gate's waits; on a runner a second is a second.
  const msPerSecond = Number(deps.env['AI_SCRUM_MS_PER_SECOND'] ?? 1000) || 1000;
  const report = await mergeGate(
    ports,
    settings,
    {
      sha: deps.env['GITHUB_SHA'] ?? '',
      runUrl,
      eventHeadSha: event.pull_request?.head?.sha ?? event.workflow_run?.head_sha ?? null,
      eventRunId: event.workflow_run?.id ?? null,
      ledgerWriter: event.sender?.login ?? null,
    },
    deps.now(),
    deps.logger,
    sleeper(msPerSecond),
  );
  deps.setOutput('reasons', JSON.stringify(report.reasons));
  deps.logger.info(
    `Merge gate${report.pull ? ` on #${report.pull}` : ''}: ${report.verdict}` +
      (report.reasons.length > 0 ? ` (${report.reasons.join('; ')})` : '') +
      (report.dryRun ? ' — dry run, nothing written' : ''),
  );
  for (const warning of report.warnings) deps.logger.warning(warning);
  await deps.writeSummary(renderGateReport(report, { run: runUrl }));
  const merged = report.actions.includes('merged');
  const pullUrl =
    report.pull === null
      ? runUrl
      : `${server}/${context.owner}/${context.repo}/pull/${report.pull}`;
  await publish(deps, observe, {
    figures: {
      action: 'merge-gate',
      ...totals(),
      durationSeconds: (deps.now().getTime() - started.getTime()) / 1000,
      pull: report.pull,
      verdict: report.verdict,
      coveragePercent: report.coverage?.lines.percent ?? null,
      patchCoveragePercent: report.patch?.percent ?? null,
    },
    notices:
      merged && !report.dryRun
        ? [
            {
              kind: 'merged',
              repository: `${context.owner}/${context.repo}`,
              issue: report.issue,
              pull: report.pull,
              title:
                report.issue === null ? `Pull request #${report.pull}` : `Issue #${report.issue}`,
              detail: `Merged by the merge gate: ${report.reasons[0] ?? 'every rule passed'}.`,
              url: pullUrl,
              costUsd: null,
            },
          ]
        : [],
    statuses:
      report.issue === null || report.dryRun
        ? []
        : merged
          ? [{ issue: report.issue, status: 'done' }]
          : report.actions.includes('conflict-handed-back')
            ? [{ issue: report.issue, status: 'in progress' }]
            : [],
    repo: { owner: context.owner, repo: context.repo },
  });
}
