import type { LABEL_DEFAULTS } from '../action-io.js';
import type { Inputs } from './inputs.js';

/** The label names the toolkit reads and writes, as configured. */
export interface LabelNames {
  ready: string;
  inProgress: string;
  completed: string;
  failed: string;
  conflict: string;
  coordination: string;
}

export function readLabelNames(inputs: Inputs<keyof typeof LABEL_DEFAULTS>): LabelNames {
  return {
    ready: inputs.label('ready-label'),
    inProgress: inputs.label('in-progress-label'),
    completed: inputs.label('completed-label'),
    failed: inputs.label('failed-label'),
    conflict: inputs.label('conflict-label'),
    coordination: inputs.label('coordination-label'),
  };
}
