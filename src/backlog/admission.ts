import type { AttemptCost } from '../ledger/entries.js';

/**
 * Admission control: an attempt is admitted only when the money left covers what attempts like
 * it have cost. The estimate is the 80th percentile of released attempts' costs with the same
 * complexity label; without any, of all released attempts; without history at all, a default.
 */

/** An attempt's cost when the ledger has no history yet: a conservative figure for one attempt. */
export const DEFAULT_ATTEMPT_ESTIMATE_USD = 1;
export const ESTIMATE_PERCENTILE = 0.8;

export interface Estimate {
  usd: number;
  /** What it rests on: released attempts of this complexity, of any, or the default. */
  basis: 'complexity' | 'all' | 'default';
  samples: number;
}

/** The nearest-rank percentile of a non-empty list. */
export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
}

export function attemptEstimate(
  costs: readonly AttemptCost[],
  complexity: string | null,
): Estimate {
  const alike = costs.filter((cost) => cost.complexity === complexity).map((cost) => cost.usd);
  if (alike.length > 0)
    return {
      usd: percentile(alike, ESTIMATE_PERCENTILE),
      basis: 'complexity',
      samples: alike.length,
    };
  if (costs.length > 0)
    return {
      usd: percentile(
        costs.map((cost) => cost.usd),
        ESTIMATE_PERCENTILE,
      ),
      basis: 'all',
      samples: costs.length,
    };
  return { usd: DEFAULT_ATTEMPT_ESTIMATE_USD, basis: 'default', samples: 0 };
}
