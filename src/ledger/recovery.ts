import type { LedgerState } from './fold.js';
import type { WorkEvidence } from './port.js';

/**
 * The state a recovery starts the ledger from: the unchanged comments of the tampered log, raised
 * by the work GitHub still shows. A branch whose claim trailer names a later epoch than the log
 * knows proves claims the log lost: each was an attempt, the next claim must fence above it, and
 * its worker may still run, so the issue stays claimed until a fresh lease passes.
 */
export function recoveredState(
  kept: LedgerState,
  evidence: readonly WorkEvidence[],
  time: { at: string; lease: string },
): LedgerState {
  const state: LedgerState = {
    ...kept,
    issues: new Map([...kept.issues].map(([issue, rec]) => [issue, structuredClone(rec)])),
    spendByDay: new Map(kept.spendByDay),
    recent: [...kept.recent],
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
      rec.active = {
        type: 'claim',
        issue: work.issue,
        claim: work.claim ?? `recovered-${work.issue}-e${epoch}`,
        epoch,
        kind: work.pull === null ? 'issue' : 'conflict',
        files: [...rec.lastFiles],
        run: 0,
        lease: time.lease,
        at: time.at,
      };
    }
    state.issues.set(work.issue, rec);
  }
  return state;
}
