import { MERGE_GATE_INPUTS } from '../action-io.js';
import { Inputs, type InputSource } from '../settings/inputs.js';
import { readLabelNames, type LabelNames } from '../settings/labels.js';

export const MERGE_METHODS = ['merge', 'squash', 'rebase'] as const;
export type MergeMethod = (typeof MERGE_METHODS)[number];

export interface MergeGateSettings {
  token: string;
  /** 0 when the input is empty: the pull request then comes from the triggering event. */
  pullRequest: number;
  coverageReport: string;
  coverageThreshold: number;
  coverageMaxDrop: number;
  patchCoverageThreshold: number;
  protectedPaths: string[];
  reviewLabels: string[];
  mergeMethod: MergeMethod;
  ledgerWriters: string[];
  dryRun: boolean;
  labels: LabelNames;
}

export function parseMergeGateSettings(source: InputSource): MergeGateSettings {
  const inputs = new Inputs(source, MERGE_GATE_INPUTS);
  const pullRequest = inputs.raw('pull-request');
  return {
    token: inputs.string('github-token', { required: true }),
    pullRequest:
      pullRequest === '' ? 0 : inputs.integer('pull-request', { min: 1, max: 999_999_999 }),
    coverageReport: inputs.string('coverage-report'),
    coverageThreshold: inputs.number('coverage-threshold', { min: 0, max: 100 }),
    coverageMaxDrop: inputs.number('coverage-max-drop', { min: 0, max: 100 }),
    patchCoverageThreshold: inputs.number('patch-coverage-threshold', { min: 0, max: 100 }),
    protectedPaths: inputs.list('protected-paths'),
    reviewLabels: inputs.list('review-labels'),
    mergeMethod: inputs.oneOf('merge-method', MERGE_METHODS),
    ledgerWriters: inputs.logins('ledger-writers'),
    dryRun: inputs.boolean('dry-run'),
    labels: readLabelNames(inputs),
  };
}
