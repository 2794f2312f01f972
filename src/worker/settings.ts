import { WORKER_INPUTS } from '../action-io.js';
import { ConfigurationError } from '../errors.js';
import { MODEL_INPUTS, resolveModelSettings, type ModelSettings } from '../model/index.js';
import { Inputs, type InputSource } from '../settings/inputs.js';
import { readLabelNames, type LabelNames } from '../settings/labels.js';

export const WORK_KINDS = ['issue', 'conflict'] as const;
export type WorkKind = (typeof WORK_KINDS)[number];

export const SANDBOXES = ['user', 'none'] as const;

export const BRANCH_PREFIX = 'ai-feature/issue-';

/** One matrix entry of dispatch: the work this job holds a claim for. */
export interface WorkItem {
  issue: number;
  claim: string;
  epoch: number;
  branch: string;
  files: string[];
  kind: WorkKind;
  /** The pull request a conflict task resolves. */
  pull: number | null;
  /**
   * Who wrote the claim (dispatch's identity), or ''. Not trusted for anything: when it is also
   * this token's identity, the worker reads the ledger's tracking issues in its first request.
   */
  writer: string;
}

export interface WorkerSettings {
  token: string;
  work: WorkItem;
  /** As given; checked when parsed, so a bad one stops the worker before anything is written. */
  model: ModelSettings;
  commands: {
    test: string;
    coverage: string;
    lint: string;
    coverageFiles: string[];
    timeoutMs: number;
  };
  issueBudgetUsd: number;
  dailyBudgetUsd: number;
  reserveUsd: number;
  maxRevisions: number;
  maxTurns: number;
  maxFiles: number;
  largeLabels: string[];
  protectedPaths: string[];
  sandbox: (typeof SANDBOXES)[number];
  deadlineMinutes: number;
  /** The repository's CI workflow file, started on the branch when the work is ready; '' for none. */
  ciWorkflow: string;
  ledgerWriters: string[];
  labels: LabelNames;
}

/** The matrix's `files` arrives as JSON (`${{ toJSON(matrix.files) }}`) or as a list. */
function parseFiles(raw: string): string[] {
  if (!raw.startsWith('[')) return raw === '' ? [] : raw.split(/[,\n]/).map((f) => f.trim());
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    value = null;
  }
  if (!Array.isArray(value) || !value.every((f) => typeof f === 'string' && f.length <= 500))
    throw new ConfigurationError(
      `Invalid input 'files': ${JSON.stringify(raw.slice(0, 80))}. Expected a JSON array of paths (the matrix entry's files) or paths separated by commas.`,
    );
  return value as string[];
}

/** Every input checked before anything is read or written: a bad one names itself. */
export function parseWorkerSettings(source: InputSource): WorkerSettings {
  const inputs = new Inputs(source, WORKER_INPUTS);
  const issue = inputs.integer('issue', { min: 1, max: 999_999_999 });
  const branch = inputs.raw('branch') || `${BRANCH_PREFIX}${issue}`;
  if (branch !== `${BRANCH_PREFIX}${issue}`)
    throw new ConfigurationError(
      `Invalid input 'branch': ${JSON.stringify(branch.slice(0, 80))}. Expected '${BRANCH_PREFIX}${issue}', the branch of issue ${issue} (or empty).`,
    );
  const kind = inputs.oneOf('kind', WORK_KINDS);
  const pullRaw = inputs.raw('pull');
  const pull = pullRaw === '' ? null : inputs.integer('pull', { min: 1, max: 999_999_999 });
  if (kind === 'conflict' && pull === null)
    throw new ConfigurationError(
      "Input 'pull' is required with kind 'conflict' and was empty. Expected the number of the pull request to resolve (the matrix entry's pull).",
    );
  const work: WorkItem = {
    issue,
    claim: inputs.matching(
      'claim',
      /^[A-Za-z0-9._-]{1,100}$/,
      'the claim id from the dispatch matrix entry',
    ),
    epoch: inputs.integer('epoch', { min: 1, max: 1_000_000 }),
    branch,
    files: parseFiles(inputs.raw('files')),
    kind,
    pull,
    writer: inputs.matching(
      'writer',
      /^$|^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})(?:\[bot\])?$/,
      'a login from the dispatch matrix entry (`matrix.writer`), or empty',
    ),
  };
  const model: ModelSettings = {
    provider: inputs.raw(MODEL_INPUTS.provider),
    apiKey: inputs.raw(MODEL_INPUTS.apiKey),
    baseUrl: inputs.raw(MODEL_INPUTS.baseUrl),
    region: inputs.raw(MODEL_INPUTS.region),
    project: inputs.raw(MODEL_INPUTS.project),
    models: {
      po: inputs.raw(MODEL_INPUTS.po),
      dev: inputs.raw(MODEL_INPUTS.dev),
      review: inputs.raw(MODEL_INPUTS.review),
    },
    prices: inputs.raw(MODEL_INPUTS.prices),
    maxRetries: inputs.integer(MODEL_INPUTS.maxRetries, { min: 0, max: 10 }),
    timeoutSeconds: inputs.integer(MODEL_INPUTS.timeoutSeconds, { min: 1, max: 3600 }),
  };
  resolveModelSettings(model);
  const commands = {
    test: inputs.raw('test-command'),
    coverage: inputs.raw('coverage-command'),
    lint: inputs.raw('lint-command'),
    coverageFiles: inputs.list('coverage-files'),
    timeoutMs: inputs.integer('command-timeout-minutes', { min: 1, max: 360 }) * 60_000,
  };
  if (commands.test === '' && commands.coverage === '')
    throw new ConfigurationError(
      "Inputs 'test-command' and 'coverage-command' are both empty. Expected the command that runs the repository's tests (for example `npm test`), so that the work is checked by the repository's own tests.",
    );
  const issueBudgetUsd = inputs.number('issue-budget-usd', { min: 0.01, max: 100_000 });
  const reserveUsd = inputs.number('budget-reserve-usd', { min: 0, max: 100_000 });
  if (reserveUsd >= issueBudgetUsd)
    throw new ConfigurationError(
      `Input 'budget-reserve-usd' (${reserveUsd}) must be less than 'issue-budget-usd' (${issueBudgetUsd}): the reserve is the part of the budget kept to finish a round.`,
    );
  return {
    token: inputs.string('github-token', { required: true }),
    work,
    model,
    commands,
    issueBudgetUsd,
    dailyBudgetUsd: inputs.number('daily-budget-usd', { min: 0.01, max: 1_000_000 }),
    reserveUsd,
    maxRevisions: inputs.integer('max-revisions', { min: 0, max: 20 }),
    maxTurns: inputs.integer('max-turns', { min: 1, max: 500 }),
    maxFiles: inputs.integer('max-files', { min: 1, max: 1000 }),
    largeLabels: inputs.labelList('large-labels'),
    protectedPaths: inputs.list('protected-paths'),
    sandbox: inputs.oneOf('sandbox', SANDBOXES),
    deadlineMinutes: inputs.integer('deadline-minutes', { min: 5, max: 43_200 }),
    ciWorkflow: inputs.matching(
      'ci-workflow',
      /^$|^[A-Za-z0-9._-]+\.ya?ml$/,
      'the file name of a workflow in .github/workflows, such as ci.yml, or nothing',
    ),
    ledgerWriters: inputs.logins('ledger-writers'),
    labels: readLabelNames(inputs),
  };
}
