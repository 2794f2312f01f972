import { WORKER_INPUTS } from '../action-io.js';
import { Inputs, type InputSource } from '../settings/inputs.js';
import { readLabelNames, type LabelNames } from '../settings/labels.js';

export const WORK_KINDS = ['issue', 'conflict'] as const;
export type WorkKind = (typeof WORK_KINDS)[number];

export interface WorkerSettings {
  token: string;
  anthropicApiKey: string;
  issue: number;
  claim: string;
  epoch: number;
  kind: WorkKind;
  model: string;
  maxRevisions: number;
  issueBudgetUsd: number;
  testCommand: string;
  coverageReport: string;
  protectedPaths: string[];
  ledgerWriters: string[];
  labels: LabelNames;
}

export function parseWorkerSettings(source: InputSource): WorkerSettings {
  const inputs = new Inputs(source, WORKER_INPUTS);
  return {
    token: inputs.string('github-token', { required: true }),
    anthropicApiKey: inputs.string('anthropic-api-key'),
    issue: inputs.integer('issue', { min: 1, max: 999_999_999 }),
    claim: inputs.matching(
      'claim',
      /^[A-Za-z0-9._-]{1,100}$/,
      'the claim id from the dispatch matrix',
    ),
    epoch: inputs.integer('epoch', { min: 1, max: 1_000_000 }),
    kind: inputs.oneOf('kind', WORK_KINDS),
    model: inputs.string('model', { required: true }),
    maxRevisions: inputs.integer('max-revisions', { min: 1, max: 20 }),
    issueBudgetUsd: inputs.number('issue-budget-usd', { min: 0, max: 1_000_000 }),
    testCommand: inputs.string('test-command'),
    coverageReport: inputs.string('coverage-report'),
    protectedPaths: inputs.list('protected-paths'),
    ledgerWriters: inputs.logins('ledger-writers'),
    labels: readLabelNames(inputs),
  };
}
