import type { ActionDeps } from '../action-deps.js';
import { ConfigurationError } from '../errors.js';
import type { GitHubClient } from '../github/client.js';
import { describeTampering } from '../ledger/chain.js';
import { dispatch, type DispatchPorts, type RunContext } from './dispatch.js';
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

/** Builds dispatch's ports for a client and repository: the entry point's GitHub adapters. */
export type DispatchConnect = (
  client: GitHubClient,
  repo: { owner: string; repo: string },
) => DispatchPorts;

/**
 * The dispatch action: settings from its inputs, ports from the entry point's `connect`, then the
 * use case, its outputs and its job summary.
 */
export async function runDispatch(deps: ActionDeps, connect: DispatchConnect): Promise<void> {
  const settings = parseDispatchSettings(deps.input);
  const context = runContext(deps.env);
  const ports = connect(deps.github(settings.token), { owner: context.owner, repo: context.repo });
  const report = await dispatch(ports, settings, context, deps.now(), deps.logger);
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
