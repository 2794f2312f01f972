import type { ActionDeps } from '../action-deps.js';
import { ConfigurationError } from '../errors.js';
import { GitHubDispatchAdapter } from '../github/dispatch-adapter.js';
import { GitHubLedgerAdapter } from '../github/ledger-adapter.js';
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

export async function runDispatch(deps: ActionDeps, ports?: DispatchPorts): Promise<void> {
  const settings = parseDispatchSettings(deps.input);
  const context = runContext(deps.env);
  const repo = { owner: context.owner, repo: context.repo };
  const client = ports ? undefined : deps.github(settings.token);
  const report = await dispatch(
    ports ?? {
      github: new GitHubDispatchAdapter(client!, repo),
      ledger: new GitHubLedgerAdapter(client!, repo),
    },
    settings,
    context,
    deps.now(),
    deps.logger,
  );
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
