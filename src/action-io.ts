/**
 * The inputs and outputs of every action, by name with their defaults. The action.yml files are
 * written by hand for users to read; a test fails when one of them disagrees with this file.
 */

export const GITHUB_TOKEN_DEFAULT = '${{ github.token }}';

export const LABEL_DEFAULTS = {
  'ready-label': 'ai-ready',
  'in-progress-label': 'ai-in-progress',
  'completed-label': 'ai-completed',
  'failed-label': 'ai-failed',
  'conflict-label': 'ai-conflict',
  'coordination-label': 'ai-coordination',
} as const;

/** Every action tells the outside world the same way: chat, a Projects board, a metrics file. */
export const OBSERVE_INPUT_DEFAULTS = {
  'slack-webhook': '',
  'discord-webhook': '',
  project: '',
  'project-token': '',
  'metrics-file': '',
} as const;

export const DISPATCH_INPUTS = {
  'github-token': GITHUB_TOKEN_DEFAULT,
  'max-workers': '5',
  'lease-minutes': '120',
  'max-attempts': '3',
  'daily-budget-usd': '25',
  'issue-budget-usd': '5',
  issues: '',
  'dry-run': 'false',
  'ledger-writers': '',
  'recover-ledger': 'false',
  'priority-order': 'priority:critical,priority:high,priority:medium,priority:low',
  'complexity-order':
    'complexity:xs,complexity:small,complexity:medium,complexity:large,complexity:xl',
  'fallback-footprint': '**',
  'protected-paths': '.github/**',
  ...LABEL_DEFAULTS,
  ...OBSERVE_INPUT_DEFAULTS,
} as const;

/** Figures (requests, candidates, ...) are listed by src/observe/metrics.ts, which sets them. */
export const DISPATCH_OUTPUTS = [
  'matrix',
  'count',
  'has-work',
  'tracking-issue',
  'candidates',
  'dispatched',
  'skipped',
  'lost-claims',
  'live-claims',
  'tampering',
  'requests',
  'writes',
  'duration-seconds',
] as const;

export const WORKER_INPUTS = {
  'github-token': GITHUB_TOKEN_DEFAULT,
  issue: '',
  claim: '',
  epoch: '',
  branch: '',
  files: '',
  kind: 'issue',
  pull: '',
  writer: '',
  'model-provider': 'anthropic',
  'anthropic-api-key': '',
  'anthropic-base-url': '',
  'model-region': '',
  'vertex-project-id': '',
  'po-model': '',
  'dev-model': '',
  'review-model': '',
  'model-prices': '',
  'model-max-retries': '4',
  'model-timeout-seconds': '600',
  'test-command': '',
  'coverage-command': '',
  'lint-command': '',
  'coverage-files': '',
  'command-timeout-minutes': '15',
  'ci-workflow': '',
  'issue-budget-usd': '5',
  'daily-budget-usd': '25',
  'budget-reserve-usd': '0.5',
  'max-revisions': '3',
  'max-turns': '30',
  'max-files': '5',
  'large-labels': 'complexity:large,complexity:xl',
  'protected-paths': '.github/**',
  sandbox: 'user',
  'deadline-minutes': '60',
  'ledger-writers': '',
  ...LABEL_DEFAULTS,
  ...OBSERVE_INPUT_DEFAULTS,
} as const;

export const WORKER_OUTPUTS = [
  'outcome',
  'pr-number',
  'pr-url',
  'cost-usd',
  'input-tokens',
  'output-tokens',
  'cache-read-tokens',
  'revisions',
  'issue',
  'issue-cost-usd',
  'requests',
  'writes',
  'duration-seconds',
] as const;

export const MERGE_GATE_INPUTS = {
  'github-token': GITHUB_TOKEN_DEFAULT,
  mode: 'gate',
  'pull-request': '',
  'coverage-files': '',
  'coverage-artifact': '',
  'expected-reports': '0',
  'base-coverage-file': '',
  'coverage-threshold': '70',
  'max-coverage-drop': '0.5',
  'patch-coverage-threshold': '80',
  'protected-paths': '.github/**',
  'max-changed-files': '50',
  'max-changed-lines': '2000',
  'review-labels': 'priority:critical,complexity:large',
  'merge-method': 'squash',
  'mergeable-wait-seconds': '60',
  'ledger-writers': '',
  'dry-run': 'false',
  ...LABEL_DEFAULTS,
  ...OBSERVE_INPUT_DEFAULTS,
} as const;

export const MERGE_GATE_OUTPUTS = [
  'verdict',
  'reasons',
  'coverage',
  'patch-coverage',
  'pull-request',
  'requests',
  'writes',
  'duration-seconds',
] as const;

export const COMMANDS = ['dispatch', 'worker', 'merge-gate'] as const;
export type Command = (typeof COMMANDS)[number];

/** The root action takes `command` plus every input of the three actions. */
export const ROOT_INPUTS = {
  command: '',
  ...DISPATCH_INPUTS,
  ...WORKER_INPUTS,
  ...MERGE_GATE_INPUTS,
} as const;

export const ROOT_OUTPUTS = [
  ...new Set([...DISPATCH_OUTPUTS, ...WORKER_OUTPUTS, ...MERGE_GATE_OUTPUTS]),
] as const;

export interface ActionIo {
  readonly inputs: Readonly<Record<string, string>>;
  readonly outputs: readonly string[];
}

/** Where each action.yml lives, relative to the repository root, and what it must declare. */
export const ACTION_FILES: Readonly<Record<string, ActionIo>> = {
  'action.yml': { inputs: ROOT_INPUTS, outputs: ROOT_OUTPUTS },
  'actions/dispatch/action.yml': { inputs: DISPATCH_INPUTS, outputs: DISPATCH_OUTPUTS },
  'actions/worker/action.yml': { inputs: WORKER_INPUTS, outputs: WORKER_OUTPUTS },
  'actions/merge-gate/action.yml': { inputs: MERGE_GATE_INPUTS, outputs: MERGE_GATE_OUTPUTS },
};
