import { DISPATCH_INPUTS } from '../action-io.js';
import { ConfigurationError } from '../errors.js';
import { Inputs, type InputSource } from '../settings/inputs.js';
import { readLabelNames, type LabelNames } from '../settings/labels.js';

export interface DispatchSettings {
  token: string;
  maxWorkers: number;
  leaseMinutes: number;
  maxAttempts: number;
  dailyBudgetUsd: number;
  issueBudgetUsd: number;
  forcedIssues: number[];
  dryRun: boolean;
  ledgerWriters: string[];
  recoverLedger: boolean;
  priorityOrder: string[];
  complexityOrder: string[];
  fallbackFootprint: string[];
  protectedPaths: string[];
  labels: LabelNames;
}

/** GitHub Actions allows at most 256 jobs in one matrix. */
export const MAX_MATRIX_JOBS = 256;

export function parseDispatchSettings(source: InputSource): DispatchSettings {
  const inputs = new Inputs(source, DISPATCH_INPUTS);
  return {
    token: inputs.string('github-token', { required: true }),
    maxWorkers: inputs.integer('max-workers', { min: 1, max: MAX_MATRIX_JOBS }),
    // A hosted job lives at most 6 hours, a self-hosted one 5 days.
    leaseMinutes: inputs.integer('lease-minutes', { min: 5, max: 5 * 24 * 60 }),
    maxAttempts: inputs.integer('max-attempts', { min: 1, max: 100 }),
    dailyBudgetUsd: inputs.number('daily-budget-usd', { min: 0, max: 1_000_000 }),
    issueBudgetUsd: inputs.number('issue-budget-usd', { min: 0, max: 1_000_000 }),
    forcedIssues: inputs.issueNumbers('issues'),
    dryRun: inputs.boolean('dry-run'),
    ledgerWriters: inputs.logins('ledger-writers'),
    recoverLedger: inputs.boolean('recover-ledger'),
    priorityOrder: inputs.labelList('priority-order'),
    complexityOrder: inputs.labelList('complexity-order'),
    fallbackFootprint: nonEmpty(inputs.list('fallback-footprint'), 'fallback-footprint'),
    protectedPaths: inputs.list('protected-paths'),
    labels: readLabelNames(inputs),
  };
}

function nonEmpty(items: string[], name: string): string[] {
  if (items.length === 0)
    throw new ConfigurationError(
      `Invalid input '${name}': "". Expected at least one path or glob.`,
    );
  return items;
}
