import type { ActionDeps } from '../action-deps.js';
import { ConfigurationError } from '../errors.js';
import type { GitHubClient } from '../github/client.js';
import { describeTampering } from '../ledger/chain.js';
import { isWaiting } from '../backlog/plan.js';
import { metered, parseObserveSettings, publish } from '../observe/publish.js';
import type { StatusChange } from '../observe/types.js';
import { dispatch, type DispatchPorts, type DispatchReport, type RunContext } from './dispatch.js';
import { parseDispatchSettings } from './settings.js';
import { matrixOf, renderSummary } from './summary.js';

/** Owner, name and run of the workflow, as the runner's environment gives them. */
export function runContext(env: ActionDeps['env']): RunContext & { owner: string; repo: string } {
  const repository = env['GITHUB_REPOSITORY'] ?? '';
  const match = /^([^/\s]+)\/([^/\s]+)$/.exec(repository);
  if (!match) {
    throw new ConfigurationError(
      `GITHUB_REPOSITORY is ${JSON.stringify(repository)}; expected OWNER/REPO as the runner sets it.`,
    );
  }
  return {
    owner: match[1]!,
    repo: match[2]!,
    runId: Number(env['GITHUB_RUN_ID'] ?? 0) || 0,
    runAttempt: Number(env['GITHUB_RUN_ATTEMPT'] ?? 1) || 1,
    actor: env['GITHUB_ACTOR'] ?? '',
    triggeringActor: env['GITHUB_TRIGGERING_ACTOR'] ?? '',
    event: env['GITHUB_EVENT_NAME'] ?? '',
  };
}

/** The workflow run's page, when the environment names one. */
export function runUrlOf(
  env: ActionDeps['env'],
  context: RunContext & { owner: string; repo: string },
): string | null {
  const server = (env['GITHUB_SERVER_URL'] || 'https://github.com').replace(/\/+$/, '');
  return context.runId > 0
    ? `${server}/${context.owner}/${context.repo}/actions/runs/${context.runId}`
    : null;
}

/**
 * The board's view of this run: issues dispatched are in progress, issues waiting their turn
 * (capacity, a lock, a dependency) are queued, issues out of attempts or budget have failed.
 */
export function dispatchStatuses(report: DispatchReport): StatusChange[] {
  const waiting = new Set([
    'blocked-by',
    'native-blockers',
    'sub-issues',
    'sub-issue-order',
    'not-reached',
    'daily-budget',
    'over-estimate',
  ]);
  return [
    ...report.skipped
      .filter((s) => isWaiting(s.reason) || waiting.has(s.reason.kind))
      .map((s) => ({ issue: s.issue, status: 'queued' as const })),
    ...report.failed.map((issue) => ({ issue, status: 'failed' as const })),
    ...report.claimed.map((c) => ({ issue: c.issue, status: 'in progress' as const })),
  ];
}

/** Builds dispatch's ports for a client and repository: the entry point's GitHub adapters. */
export type DispatchConnect = (
  client: GitHubClient,
  repo: { owner: string; repo: string },
) => DispatchPorts;

/**
 * The dispatch action: settings from its inputs, ports from the entry point's `connect`, then the
 * use case, its outputs and its job summary.
 */
export async function runDispatch(given: ActionDeps, connect: DispatchConnect): Promise<void> {
  const settings = parseDispatchSettings(given.input);
  const observe = parseObserveSettings(given.input, settings.token);
  const { deps, totals } = metered(given);
  const context = runContext(deps.env);
  const started = deps.now();
  const repo = { owner: context.owner, repo: context.repo };
  const ports = connect(deps.github(settings.token), repo);
  const report = await dispatch(ports, settings, context, started, deps.logger);
  const matrix = matrixOf(report);
  deps.setOutput('matrix', JSON.stringify(matrix));
  deps.setOutput('count', String(matrix.include.length));
  deps.setOutput('has-work', String(matrix.include.length > 0));
  deps.setOutput(
    'tracking-issue',
    report.trackingIssue === null ? '' : String(report.trackingIssue),
  );
  deps.logger.info(
    `Dispatched ${matrix.include.length} of ${report.claimed.length + report.skipped.length} candidates` +
      (report.dryRun ? ' (dry run: nothing written)' : '') +
      (report.lost.length > 0
        ? `; ${report.lost.length} claims lost to a concurrent dispatch`
        : ''),
  );
  for (const warning of report.warnings) deps.logger.warning(warning);
  await deps.writeSummary(
    renderSummary(report, {
      repository: `${context.owner}/${context.repo}`,
      serverUrl: (deps.env['GITHUB_SERVER_URL'] || 'https://github.com').replace(/\/+$/, ''),
    }),
  );
  await publish(deps, observe, {
    figures: {
      action: 'dispatch',
      ...totals(),
      durationSeconds: (deps.now().getTime() - started.getTime()) / 1000,
      candidates: report.claimed.length + report.skipped.length,
      dispatched: matrix.include.length,
      skipped: report.skipped.length,
      lostClaims: report.lost.length,
      liveClaims: report.activeClaims + report.claimed.length,
      tampering: report.tampering.length,
    },
    notices:
      // Once per finding, as the tracking issue's alert: not on every scheduled run.
      report.tamperingAlerted && !report.recovery
        ? [
            {
              kind: 'tampering',
              repository: `${context.owner}/${context.repo}`,
              issue: null,
              pull: null,
              title: 'The ledger was changed by hand',
              detail: `${report.tampering.map(describeTampering).join('; ')}. Dispatch claims nothing until a maintainer recovers it (docs/ledger.md).`,
              url: runUrlOf(deps.env, context),
              costUsd: null,
            },
          ]
        : [],
    statuses: report.dryRun ? [] : dispatchStatuses(report),
    repo,
  });
  if (report.tampering.length > 0 && !report.recovery) {
    throw new ConfigurationError(
      `The ledger was changed by hand (${report.tampering.map(describeTampering).join('; ')}). ` +
        'Dispatch claimed nothing. A maintainer can recover it: see docs/ledger.md.',
    );
  }
  if (report.recovery) {
    deps.logger.warning(
      `Recovered the ledger into #${report.recovery.issue} from its intact part and ${report.recovery.evidence.length} branch(es) of work; ` +
        `set aside ${report.recovery.superseded.map((n) => `#${n}`).join(', ') || 'nothing'}.`,
    );
  }
}
