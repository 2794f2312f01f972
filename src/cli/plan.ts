import type { Estimate } from '../backlog/admission.js';
import type { Footprint } from '../backlog/footprint.js';
import { describeSkip, isWaiting, type Skipped } from '../backlog/plan.js';
import { dispatch, type Claimed, type DispatchReport } from '../dispatch/dispatch.js';
import { runContext } from '../dispatch/run.js';
import { parseDispatchSettings, type DispatchSettings } from '../dispatch/settings.js';
import { ConfigurationError, errorMessage, oneLine } from '../errors.js';
import { describeGitHubFailure } from '../github/api-errors.js';
import type { GitHubClient } from '../github/client.js';
import { endpointsFromEnv, type Endpoints } from '../github/endpoints.js';
import { VIEWER_QUERY } from '../github/graphql.js';
import { describeTampering } from '../ledger/chain.js';
import { RecordingLogger, type Logger } from '../logger.js';
import { describeArgsProblem, parseCommandLine, usageError } from './args.js';
import type { CliIo } from './main.js';
import { PLAN_OPTIONS } from './usage.js';

type Env = Readonly<Record<string, string | undefined>>;

/**
 * Whose ledger comments count when no `--ledger-writers` is given: the identity a workflow's
 * GITHUB_TOKEN writes as. A person's token reads the ledger that dispatch wrote on a runner.
 */
export const DEFAULT_PLAN_LEDGER_WRITERS = 'github-actions[bot]';

/** An issue dispatch would hand a worker, as `--json` prints it. */
export interface PlannedIssue {
  issue: number;
  kind: Claimed['kind'];
  pull: number | null;
  title: string;
  priority: string | null;
  complexity: string | null;
  epoch: number;
  footprint: Footprint['entries'];
  footprintSource: Footprint['source'];
  estimate: Estimate;
}

/** A candidate dispatch would leave, and why, as `--json` prints it. */
export interface SkippedIssue {
  issue: number;
  title: string;
  priority: string | null;
  /** `describeSkip`'s words, as the job summary shows them. */
  reason: string;
  /** The reason as data (`kind` and its details). */
  why: Skipped['reason'];
  /** Waiting for capacity or a lock: in the queue, rather than not eligible. */
  waiting: boolean;
}

/** What `ai-scrum plan --json` prints. */
export interface PlanOutput {
  repository: string;
  dryRun: true;
  maxWorkers: number;
  activeClaims: number;
  capacity: number;
  dayLeftUsd: number;
  estimatedUsd: number;
  trackingIssue: number | null;
  dispatch: PlannedIssue[];
  skipped: SkippedIssue[];
  expire: { issue: number; claim: string; reason: string }[];
  tampering: string[];
  warnings: string[];
}

/**
 * `ai-scrum plan`: dispatch's use case in dry-run mode against a repository (GitHub, GitHub
 * Enterprise Server or the twin), printed as tables or JSON. Nothing is written.
 */
export async function runPlanCommand(
  args: readonly string[],
  io: CliIo,
  env: Env = process.env,
): Promise<number> {
  // `--json` takes no value; the shared parser reads only options that do.
  const end = args.indexOf('--');
  const options = end === -1 ? args : args.slice(0, end);
  const json = options.includes('--json');
  const rest = [
    ...options.filter((arg) => arg !== '--json'),
    ...(end === -1 ? [] : args.slice(end)),
  ];
  const parsed = parseCommandLine(rest, { options: PLAN_OPTIONS, positionals: 0 });
  if ('problem' in parsed) {
    io.err(usageError('plan', describeArgsProblem(parsed.problem)));
    return 2;
  }
  const values = parsed.values;

  const repository = values.repo ?? env['GITHUB_REPOSITORY'] ?? '';
  if (!/^[^/\s]+\/[^/\s]+$/.test(repository)) {
    io.err(
      usageError(
        'plan',
        values.repo !== undefined
          ? `--repo must be OWNER/REPO, not ${JSON.stringify(values.repo)}`
          : repository === ''
            ? 'GITHUB_REPOSITORY is not set; set it to OWNER/REPO or pass --repo OWNER/REPO'
            : `GITHUB_REPOSITORY is ${JSON.stringify(repository)}; expected OWNER/REPO (or pass --repo)`,
      ),
    );
    return 2;
  }
  const token = env['GITHUB_TOKEN'] ?? '';
  if (token.trim() === '') {
    io.err(
      usageError(
        'plan',
        'GITHUB_TOKEN is not set; set it to a token that can read the repository, for example GITHUB_TOKEN=$(gh auth token)',
      ),
    );
    return 2;
  }
  let endpoints: Endpoints;
  let settings: DispatchSettings;
  try {
    endpoints = endpointsFromEnv(env);
    const inputs: Record<string, string> = {
      'github-token': token.trim(),
      'dry-run': 'true',
      'max-workers': values['max-workers'] ?? '',
      'ledger-writers': values['ledger-writers'] ?? DEFAULT_PLAN_LEDGER_WRITERS,
    };
    settings = parseDispatchSettings((name) => inputs[name] ?? '');
  } catch (error) {
    if (!(error instanceof ConfigurationError)) throw error;
    // Dispatch's settings name their input; here, the option that set it.
    const problem = error.message
      .replace(/^Invalid input '([a-z-]+)'/, 'invalid --$1')
      .replace(/\.$/, '');
    io.err(usageError('plan', problem));
    return 2;
  }

  const context = runContext({ GITHUB_REPOSITORY: repository });
  // Dispatch's own lines repeat what the report says; GitHub's rate-limit waits are worth seeing.
  const quiet = new RecordingLogger();
  const logger: Logger = {
    debug: () => {},
    info: () => {},
    warning: (message) => io.err(`ai-scrum plan: warning: ${oneLine(message)}`),
    error: () => {},
  };
  // Loaded only now, as an action's entry point does: @actions/github reads the environment as it
  // loads, and the endpoints above have been checked by then.
  const { createGitHubClient } = await import('../github/client.js');
  const { gitHubDispatchPorts } = await import('../github/dispatch-ports.js');
  const connect = (extra: object = {}): GitHubClient =>
    createGitHubClient({
      token: settings.token,
      ...endpoints,
      logger,
      // As in an action: GitHub's advised spacing, which the client also keeps between GraphQL
      // queries; tests against the twin shorten it.
      ...(env['AI_SCRUM_WRITE_INTERVAL_MS']
        ? { writeIntervalMs: Number(env['AI_SCRUM_WRITE_INTERVAL_MS']) }
        : {}),
      ...extra,
    });
  const ports = gitHubDispatchPorts(connect(), { owner: context.owner, repo: context.repo });
  // The backlog's labels, for the priority column; planning itself is dispatch's.
  const labels = new Map<number, string[]>();
  const backlog = ports.github.backlog.bind(ports.github);
  ports.github.backlog = async (readyLabel) => {
    const issues = await backlog(readyLabel);
    for (const issue of issues) labels.set(issue.number, issue.labels);
    return issues;
  };

  let report: DispatchReport;
  try {
    report = await dispatch(ports, settings, context, new Date(), quiet);
  } catch (error) {
    const explained = await describeGitHubFailure(error, {
      endpoints,
      env,
      identify: async () => {
        try {
          const client = connect({
            requestTimeoutMs: 10_000,
            maxRetries: 0,
            maxRateLimitRetries: 0,
          });
          return (await client.graphql<{ viewer: { login: string } }>(VIEWER_QUERY)).viewer.login;
        } catch {
          return undefined;
        }
      },
    });
    // The command's token is GITHUB_TOKEN, not an action's input.
    const message = (explained || errorMessage(error)).replace(
      'the github-token input',
      'GITHUB_TOKEN',
    );
    io.err(`ai-scrum plan: ${oneLine(message)}`);
    return 1;
  }

  const priorityOf = (issue: number) => {
    const carried = (labels.get(issue) ?? []).map((label) => label.toLowerCase());
    return settings.priorityOrder.find((label) => carried.includes(label.toLowerCase())) ?? null;
  };
  const output = planOutput(report, repository, settings.maxWorkers, priorityOf);
  if (json) io.out(JSON.stringify(output, null, 2));
  else for (const line of renderPlan(output)) io.out(line);
  if (report.tampering.length > 0) {
    io.err(
      `ai-scrum plan: the ledger was changed by hand, so dispatch would claim nothing and fail; a maintainer recovers it (docs/ledger.md).`,
    );
    return 1;
  }
  return 0;
}

function planOutput(
  report: DispatchReport,
  repository: string,
  maxWorkers: number,
  priorityOf: (issue: number) => string | null,
): PlanOutput {
  return {
    repository,
    dryRun: true,
    maxWorkers,
    activeClaims: report.activeClaims,
    capacity: report.capacity,
    dayLeftUsd: Math.max(report.dayLeftUsd, 0),
    estimatedUsd: report.claimed.reduce((sum, c) => sum + c.estimate.usd, 0),
    trackingIssue: report.trackingIssue,
    dispatch: report.claimed.map((c) => ({
      issue: c.issue,
      kind: c.kind,
      pull: c.pull ?? null,
      title: c.title,
      priority: priorityOf(c.issue),
      complexity: c.complexity,
      epoch: c.epoch,
      footprint: c.footprint.entries,
      footprintSource: c.footprint.source,
      estimate: c.estimate,
    })),
    skipped: report.skipped.map((s) => ({
      issue: s.issue,
      title: s.title,
      priority: priorityOf(s.issue),
      reason: describeSkip(s.reason),
      why: s.reason,
      waiting: isWaiting(s.reason),
    })),
    expire: report.expired.map((e) => ({ issue: e.issue, claim: e.claim, reason: e.reason })),
    tampering: report.tampering.map(describeTampering),
    warnings: report.warnings,
  };
}

const usd = (amount: number) => `$${amount.toFixed(2)}`;
const plural = (count: number, noun: string, nouns = `${noun}s`) =>
  `${count} ${count === 1 ? noun : nouns}`;

/**
 * Text from GitHub on one terminal line: issue titles are anyone's words, and a control or
 * bidirectional character in one must not move the cursor, recolour the terminal or reorder what
 * follows.
 */
export function terminalText(text: string, max = Infinity): string {
  const flat = text
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/** Columns padded to their widest cell; the last one runs on. */
function table(header: readonly string[], rows: readonly string[][]): string[] {
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => row[column]!.length)),
  );
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, column) => (column === cells.length - 1 ? cell : cell.padEnd(widths[column]!)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)];
}

function estimateText(estimate: Estimate): string {
  if (estimate.basis === 'default') return `${usd(estimate.usd)} (no history)`;
  return `${usd(estimate.usd)} (p80 of ${plural(estimate.samples, 'attempt')}${estimate.basis === 'all' ? ' of any size' : ''})`;
}

function footprintText(planned: PlannedIssue): string {
  const shown = planned.footprint.slice(0, 3).map((entry) => terminalText(entry, 60));
  const more = planned.footprint.length - shown.length;
  return `${shown.join(', ')}${more > 0 ? ` +${more} more` : ''} (${planned.footprintSource})`;
}

/** The plan as a person reads it in a terminal. */
export function renderPlan(plan: PlanOutput): string[] {
  const candidates = plan.dispatch.length + plan.skipped.length;
  const waiting = plan.skipped.filter((s) => s.waiting).length;
  const lines = [
    `ai-scrum plan for ${plan.repository} (dry run: nothing was written)`,
    `${plan.dispatch.length} of ${plural(candidates, 'candidate')} would be dispatched · ` +
      `${plan.activeClaims} in progress · capacity ${plan.capacity} of ${plan.maxWorkers} · ` +
      `${waiting} waiting · ${plan.skipped.length - waiting} not eligible`,
    `Budget: ${usd(plan.dayLeftUsd)} left today` +
      (plan.dispatch.length > 0 ? `; this batch is estimated at ${usd(plan.estimatedUsd)}` : '') +
      ` · ledger: ${plan.trackingIssue === null ? 'no tracking issue yet' : `tracking issue #${plan.trackingIssue}`}`,
  ];
  if (plan.tampering.length > 0) {
    lines.push(
      '',
      'The ledger was changed by hand: dispatch would claim nothing.',
      ...plan.tampering.map((t) => `  ${terminalText(t)}`),
    );
  }
  lines.push('');
  if (plan.dispatch.length === 0) {
    lines.push(
      candidates === 0 && plan.tampering.length === 0
        ? 'Nothing would be dispatched: no open issue is ready for an AI worker.'
        : 'Nothing would be dispatched.',
    );
  } else {
    lines.push(
      `Would dispatch (${plan.dispatch.length})`,
      ...table(
        ['ISSUE', 'TITLE', 'PRIORITY', 'COMPLEXITY', 'ESTIMATE', 'FOOTPRINT'],
        plan.dispatch.map((p) => [
          `#${p.issue}${p.pull === null ? '' : ` (PR #${p.pull})`}`,
          terminalText(p.title, 40),
          p.priority ?? '-',
          p.complexity ?? '-',
          estimateText(p.estimate),
          footprintText(p),
        ]),
      ),
    );
  }
  if (plan.skipped.length > 0) {
    lines.push(
      '',
      `Would not dispatch (${plan.skipped.length})`,
      ...table(
        ['ISSUE', 'TITLE', 'PRIORITY', 'REASON'],
        plan.skipped.map((s) => [
          `#${s.issue}`,
          terminalText(s.title, 40),
          s.priority ?? '-',
          terminalText(s.reason),
        ]),
      ),
    );
  }
  if (plan.expire.length > 0) {
    lines.push(
      '',
      `Would expire (${plan.expire.length})`,
      ...plan.expire.map((e) => `  #${e.issue}: claim ${terminalText(e.claim)} (${e.reason})`),
    );
  }
  if (plan.warnings.length > 0)
    lines.push('', 'Warnings', ...plan.warnings.map((w) => `  ${terminalText(w)}`));
  return lines;
}
