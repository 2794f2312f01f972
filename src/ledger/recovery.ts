import type { LedgerState } from './fold.js';
import type { WorkEvidence } from './port.js';

/**
 * The state a recovery starts the ledger from: the intact part of the tampered log, raised by the
 * work GitHub still shows. A branch whose claim trailer names a later epoch than the log knows
 * proves claims the log lost: each was an attempt, and the next claim must fence above it.
 * Claims the log does not hold are not made active: their leases are unknown, and epochs fence a
 * worker that is still running.
 */
export function recoveredState(
  intact: LedgerState,
  evidence: readonly WorkEvidence[],
): LedgerState {
  const state: LedgerState = {
    ...intact,
    issues: new Map([...intact.issues].map(([issue, rec]) => [issue, structuredClone(rec)])),
    spendByDay: new Map(intact.spendByDay),
    recent: [...intact.recent],
  };
  for (const work of evidence) {
    const rec = state.issues.get(work.issue) ?? {
      epoch: 0,
      attempts: 0,
      spendUsd: 0,
      lastFiles: [],
    };
    // A branch without a readable epoch still shows one attempt at least.
    const epoch = Math.max(work.epoch ?? 1, 1);
    if (epoch > rec.epoch) {
      rec.attempts += epoch - rec.epoch;
      rec.epoch = epoch;
    }
    state.issues.set(work.issue, rec);
  }
  return state;
}
