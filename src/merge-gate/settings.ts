import { MERGE_GATE_INPUTS } from '../action-io.js';
import { ConfigurationError } from '../errors.js';
import { Inputs, type InputSource } from '../settings/inputs.js';
import { readLabelNames, type LabelNames } from '../settings/labels.js';

export const MERGE_METHODS = ['merge', 'squash', 'rebase'] as const;
export type MergeMethod = (typeof MERGE_METHODS)[number];

/** `gate` judges a pull request; `record` stores a pushed commit's coverage for later deltas. */
export const GATE_MODES = ['gate', 'record'] as const;
export type GateMode = (typeof GATE_MODES)[number];

export interface MergeGateSettings {
  token: string;
  mode: GateMode;
  /** 0 when the input is empty: the pull request then comes from the triggering event. */
  pullRequest: number;
  coverageFiles: string[];
  coverageArtifact: string;
  expectedReports: number;
  baseCoverageFile: string;
  coverageThreshold: number;
  maxCoverageDrop: number;
  patchCoverageThreshold: number;
  protectedPaths: string[];
  maxFiles: number;
  maxChangedLines: number;
  reviewLabels: string[];
  mergeMethod: MergeMethod;
  mergeableWaitSeconds: number;
  ledgerWriters: string[];
  dryRun: boolean;
  labels: LabelNames;
}

export function parseMergeGateSettings(source: InputSource): MergeGateSettings {
  const inputs = new Inputs(source, MERGE_GATE_INPUTS);
  const pullRequest = inputs.raw('pull-request');
  const settings: MergeGateSettings = {
    token: inputs.string('github-token', { required: true }),
    mode: inputs.oneOf('mode', GATE_MODES),
    pullRequest:
      pullRequest === '' ? 0 : inputs.integer('pull-request', { min: 1, max: 999_999_999 }),
    coverageFiles: inputs.list('coverage-files'),
    coverageArtifact: inputs.string('coverage-artifact'),
    expectedReports: inputs.integer('expected-reports', { min: 0, max: 1000 }),
    baseCoverageFile: inputs.string('base-coverage-file'),
    coverageThreshold: inputs.number('coverage-threshold', { min: 0, max: 100 }),
    maxCoverageDrop: inputs.number('max-coverage-drop', { min: 0, max: 100 }),
    patchCoverageThreshold: inputs.number('patch-coverage-threshold', { min: 0, max: 100 }),
    protectedPaths: inputs.list('protected-paths'),
    maxFiles: inputs.integer('max-changed-files', { min: 1, max: 3000 }),
    maxChangedLines: inputs.integer('max-changed-lines', { min: 1, max: 10_000_000 }),
    reviewLabels: inputs.list('review-labels'),
    mergeMethod: inputs.oneOf('merge-method', MERGE_METHODS),
    mergeableWaitSeconds: inputs.integer('mergeable-wait-seconds', { min: 0, max: 600 }),
    ledgerWriters: inputs.logins('ledger-writers'),
    dryRun: inputs.boolean('dry-run'),
    labels: readLabelNames(inputs),
  };
  if (settings.coverageFiles.length > 0 && settings.coverageArtifact !== '')
    throw new ConfigurationError(
      'Inputs coverage-files and coverage-artifact were both given; expected one coverage source.',
    );
  if (settings.mode === 'record' && settings.coverageFiles.length === 0)
    throw new ConfigurationError(
      'Input mode is record, which stores the coverage of the pushed commit, but coverage-files is empty; expected the report globs.',
    );
  return settings;
}
