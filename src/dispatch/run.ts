import type { ActionDeps } from '../action-deps.js';
import { ConfigurationError } from '../errors.js';
import { GitHubDispatchAdapter } from '../github/dispatch-adapter.js';
import { dispatch, type RunContext } from './dispatch.js';
import type { DispatchPort } from './port.js';
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
  };
}

export async function runDispatch(deps: ActionDeps, port?: DispatchPort): Promise<void> {
  const settings = parseDispatchSettings(deps.input);
  const context = runContext(deps.env);
  const github =
    port ??
    new GitHubDispatchAdapter(deps.github(settings.token), {
      owner: context.owner,
      repo: context.repo,
    });
  const report = await dispatch(github, settings, context, deps.now(), deps.logger);
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
  await deps.writeSummary(renderSummary(report, `${context.owner}/${context.repo}`));
}
