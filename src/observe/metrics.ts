/**
 * An action's figures as step outputs and as OpenMetrics text. One table per action says, for
 * every figure, its output name, its description, how the output writes it and where it goes in
 * OpenMetrics; a figure added to `types.ts` fails to compile until its table row is written.
 *
 * Every metric is a gauge holding this run's value: a Pushgateway keeps one push per grouping
 * key and a `PUT` replaces it whole, so a counter there would restart at every run and
 * `rate()` would read nonsense. Categorical figures (the worker's outcome, the gate's verdict)
 * are a gauge set to 1 with the category as a label.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { Gauge, Registry, type OpenMetricsContentType } from 'prom-client';
import type {
  ActionFigures,
  CommonFigures,
  DispatchFigures,
  GateFigures,
  WorkerFigures,
} from './types.js';

/** The labels a workflow gives every metric of a run. */
export interface MetricLabels {
  /** OWNER/REPO. */
  repository: string;
  /** The workflow's name; omitted, or empty, adds no label. */
  workflow?: string;
}

/** How an output writes a figure: counts as integers, money to the micro-dollar. */
type Format = 'integer' | 'seconds' | 'usd' | 'percent' | 'text';

/** Where a figure goes in OpenMetrics. */
type Placement =
  /** A gauge of the figure's value; `percentToRatio` writes a percent as a 0–1 ratio. */
  | { kind: 'gauge'; name: string; help: string; percentToRatio?: true }
  /** A gauge set to 1, with the figure's value in `label`. */
  | { kind: 'state'; name: string; help: string; label: string }
  /** A label on every metric of the run: it says which issue or pull request the run was about. */
  | { kind: 'label'; label: string };

interface FigureSpec {
  output: string;
  description: string;
  format: Format;
  metric: Placement;
}

type Specs<F> = { readonly [K in Exclude<keyof F, 'action'>]: FigureSpec };

type Action = ActionFigures['action'];

// HELP texts hold no double quote or backslash: Prometheus' text format (what a Pushgateway
// parses) and OpenMetrics escape them differently there.
const COMMON: Specs<CommonFigures> = {
  requests: {
    output: 'requests',
    description: "HTTP requests this run sent to GitHub's API, retries included.",
    format: 'integer',
    metric: {
      kind: 'gauge',
      name: 'ai_scrum_github_requests',
      help: 'HTTP requests the run sent to the GitHub API, retries included.',
    },
  },
  writes: {
    output: 'writes',
    description:
      'Of those, the content-creating ones: POST, PATCH, PUT and DELETE requests and GraphQL mutations.',
    format: 'integer',
    metric: {
      kind: 'gauge',
      name: 'ai_scrum_github_writes',
      help: 'Content-creating GitHub API requests of the run: POST, PATCH, PUT, DELETE and GraphQL mutations.',
    },
  },
  durationSeconds: {
    output: 'duration-seconds',
    description: 'How long the run took, in seconds.',
    format: 'seconds',
    metric: {
      kind: 'gauge',
      name: 'ai_scrum_run_duration_seconds',
      help: 'How long the run took.',
    },
  },
};

const DISPATCH: Specs<DispatchFigures> = {
  candidates: {
    output: 'candidates',
    description: 'Open issues with the ready label that this run considered.',
    format: 'integer',
    metric: {
      kind: 'gauge',
      name: 'ai_scrum_dispatch_candidate_issues',
      help: 'Open issues with the ready label that the run considered.',
    },
  },
  dispatched: {
    output: 'dispatched',
    description: 'Entries in the matrix: claims this run wrote that held.',
    format: 'integer',
    metric: {
      kind: 'gauge',
      name: 'ai_scrum_dispatch_dispatched_issues',
      help: 'Matrix entries the run started: claims it wrote that held.',
    },
  },
  skipped: {
    output: 'skipped',
    description: 'Candidates this run did not dispatch.',
    format: 'integer',
    metric: {
      kind: 'gauge',
      name: 'ai_scrum_dispatch_skipped_issues',
      help: 'Candidates the run did not dispatch.',
    },
  },
  lostClaims: {
    output: 'lost-claims',
    description:
      'Claims this run wrote that a concurrent dispatch won; they are not in the matrix.',
    format: 'integer',
    metric: {
      kind: 'gauge',
      name: 'ai_scrum_dispatch_lost_claims',
      help: 'Claims the run wrote that a concurrent dispatch won.',
    },
  },
  liveClaims: {
    output: 'live-claims',
    description: "Live claims in the ledger after this run, this run's included.",
    format: 'integer',
    metric: {
      kind: 'gauge',
      name: 'ai_scrum_dispatch_live_claims',
      help: 'Live claims in the ledger after the run, its own included.',
    },
  },
  tampering: {
    output: 'tampering',
    description: 'Hand changes to the ledger found; 0 when it is intact.',
    format: 'integer',
    metric: {
      kind: 'gauge',
      name: 'ai_scrum_dispatch_ledger_hand_changes',
      help: 'Hand changes to the ledger the run found; 0 when it is intact.',
    },
  },
  ...COMMON,
};

// The worker's and the gate's outputs that existed before these figures keep their names,
// formats and descriptions: workflows already read them.
const WORKER: Specs<WorkerFigures> = {
  issue: {
    output: 'issue',
    description: 'The issue this run worked on.',
    format: 'integer',
    metric: { kind: 'label', label: 'issue' },
  },
  outcome: {
    output: 'outcome',
    description:
      'How the run ended: approved, resolved (a conflict task), rejected, failed, budget-exhausted, deadline, decomposed or superseded.',
    format: 'text',
    metric: {
      kind: 'state',
      name: 'ai_scrum_worker_outcome',
      help: 'How the run ended, in the outcome label; the value is 1.',
      label: 'outcome',
    },
  },
  costUsd: {
    output: 'cost-usd',
    description: "Model spend of this run, in US dollars, from the API's usage counts.",
    format: 'usd',
    metric: {
      kind: 'gauge',
      name: 'ai_scrum_worker_cost_usd',
      help: 'Model spend of the run in US dollars.',
    },
  },
  issueCostUsd: {
    output: 'issue-cost-usd',
    description: 'Model spend on the issue across all its runs, this one included, in US dollars.',
    format: 'usd',
    metric: {
      kind: 'gauge',
      name: 'ai_scrum_worker_issue_cost_usd',
      help: 'Model spend on the issue across all its runs in US dollars.',
    },
  },
  inputTokens: {
    output: 'input-tokens',
    description: 'Input tokens of this run, cache writes included.',
    format: 'integer',
    metric: {
      kind: 'gauge',
      name: 'ai_scrum_worker_input_tokens',
      help: 'Input tokens of the run, cache writes included.',
    },
  },
  outputTokens: {
    output: 'output-tokens',
    description: 'Output tokens of this run.',
    format: 'integer',
    metric: {
      kind: 'gauge',
      name: 'ai_scrum_worker_output_tokens',
      help: 'Output tokens of the run.',
    },
  },
  cacheReadTokens: {
    output: 'cache-read-tokens',
    description: 'Input tokens of this run read from the prompt cache.',
    format: 'integer',
    metric: {
      kind: 'gauge',
      name: 'ai_scrum_worker_cache_read_tokens',
      help: 'Input tokens of the run read from the prompt cache.',
    },
  },
  revisions: {
    output: 'revisions',
    description: "Revision rounds the product owner asked for, earlier attempts' included.",
    format: 'integer',
    metric: {
      kind: 'gauge',
      name: 'ai_scrum_worker_revisions',
      help: 'Revision rounds the product owner asked for on the issue, earlier attempts included.',
    },
  },
  ...COMMON,
};

const GATE: Specs<GateFigures> = {
  pull: {
    output: 'pull-request',
    description: 'The pull request judged.',
    format: 'integer',
    metric: { kind: 'label', label: 'pull' },
  },
  verdict: {
    output: 'verdict',
    description: 'merge, wait or block.',
    format: 'text',
    metric: {
      kind: 'state',
      name: 'ai_scrum_merge_gate_verdict',
      help: 'The verdict on the pull request, in the verdict label; the value is 1.',
      label: 'verdict',
    },
  },
  coveragePercent: {
    output: 'coverage',
    description: 'Total line coverage in percent, empty when unknown.',
    format: 'percent',
    metric: {
      kind: 'gauge',
      name: 'ai_scrum_merge_gate_line_coverage_ratio',
      help: 'Total line coverage from 0 to 1; absent when the gate read no report.',
      percentToRatio: true,
    },
  },
  patchCoveragePercent: {
    output: 'patch-coverage',
    description:
      'Coverage of the changed lines in percent, empty when unknown or nothing executable changed.',
    format: 'percent',
    metric: {
      kind: 'gauge',
      name: 'ai_scrum_merge_gate_patch_coverage_ratio',
      help: 'Coverage of the changed lines from 0 to 1; absent when unknown or nothing executable changed.',
      percentToRatio: true,
    },
  },
  ...COMMON,
};

const SPECS: { readonly [A in Action]: Specs<Extract<ActionFigures, { action: A }>> } = {
  dispatch: DISPATCH,
  worker: WORKER,
  'merge-gate': GATE,
};

type FigureValue = number | string | null;

/** Each figure of a run with its spec, in the table's order. */
function figuresWithSpecs(figures: ActionFigures): { spec: FigureSpec; value: FigureValue }[] {
  // The tables are keyed by the figures' own fields, so every key reads a value of the run.
  const values = figures as unknown as Readonly<Record<string, FigureValue>>;
  return Object.entries(SPECS[figures.action] as Readonly<Record<string, FigureSpec>>).map(
    ([key, spec]) => ({ spec, value: values[key] ?? null }),
  );
}

/** A number a metric or an output can carry: NaN and infinities count as unknown. */
function known(value: FigureValue): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

function formatOutput(value: FigureValue, format: Format): string {
  if (typeof value === 'string') return value;
  if (!known(value)) return '';
  switch (format) {
    case 'seconds':
      return value.toFixed(3);
    case 'usd':
      return value.toFixed(6);
    case 'percent':
      return value.toFixed(2);
    case 'integer':
    case 'text':
      return String(value);
  }
}

/**
 * Output name -> value for every figure, e.g. {'requests': '12', 'cost-usd': '0.012345',
 * 'coverage': ''}. Kebab-case names; numbers as decimal strings; an unknown figure as ''.
 */
export function figureOutputs(figures: ActionFigures): Record<string, string> {
  const outputs: Record<string, string> = {};
  for (const { spec, value } of figuresWithSpecs(figures))
    outputs[spec.output] = formatOutput(value, spec.format);
  return outputs;
}

/** The output names and descriptions for one action, as its action.yml declares them. */
export function outputDescriptions(action: Action): Record<string, string> {
  const descriptions: Record<string, string> = {};
  for (const spec of Object.values(SPECS[action] as Readonly<Record<string, FigureSpec>>))
    descriptions[spec.output] = spec.description;
  return descriptions;
}

/** A percent as a 0–1 ratio, without the binary noise of the division (83.33 gives 0.8333). */
function ratio(percent: number): number {
  return Number((percent / 100).toPrecision(15));
}

/** The labels every metric of this run carries, in the order they are written. */
function runLabels(figures: ActionFigures, labels: MetricLabels): Record<string, string> {
  const run: Record<string, string> = { repository: labels.repository, action: figures.action };
  if (labels.workflow) run['workflow'] = labels.workflow;
  for (const { spec, value } of figuresWithSpecs(figures))
    if (spec.metric.kind === 'label' && known(value)) run[spec.metric.label] = String(value);
  return run;
}

/**
 * OpenMetrics text (Registry.OPENMETRICS_CONTENT_TYPE) of one run's figures, every metric
 * labelled with the run's labels; an unknown figure writes no metric. Gauges only, so the text
 * is also valid Prometheus text format 0.0.4, which is what a Pushgateway parses: there the
 * closing `# EOF` is a comment.
 */
export async function renderOpenMetrics(
  figures: ActionFigures,
  labels: MetricLabels,
): Promise<string> {
  // prom-client's typings omit the constructor's content type argument; the setter is typed.
  const registry = new Registry<OpenMetricsContentType>();
  registry.setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
  const run = runLabels(figures, labels);
  for (const { spec, value } of figuresWithSpecs(figures)) {
    const { metric } = spec;
    if (metric.kind === 'gauge' && known(value)) {
      const gauge = new Gauge({
        name: metric.name,
        help: metric.help,
        labelNames: Object.keys(run),
        registers: [registry],
      });
      gauge.set(run, metric.percentToRatio ? ratio(value) : value);
    } else if (metric.kind === 'state' && typeof value === 'string' && value !== '') {
      const gauge = new Gauge({
        name: metric.name,
        help: metric.help,
        labelNames: [...Object.keys(run), metric.label],
        registers: [registry],
      });
      gauge.set({ ...run, [metric.label]: value }, 1);
    }
  }
  return registry.metrics();
}

/**
 * Writes renderOpenMetrics to `path`, creating its directory. The text goes to a temporary file
 * beside it that is then renamed over `path`, so a reader (a Pushgateway upload in a later
 * step, a concurrent job's copy) sees the old file or the new one, never half of one.
 */
export async function writeMetricsFile(
  path: string,
  figures: ActionFigures,
  labels: MetricLabels,
): Promise<void> {
  const text = await renderOpenMetrics(figures, labels);
  const directory = dirname(path);
  await mkdir(directory, { recursive: true });
  const temporary = join(
    directory,
    `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`,
  );
  try {
    await writeFile(temporary, text, { encoding: 'utf8', flag: 'wx' });
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}
