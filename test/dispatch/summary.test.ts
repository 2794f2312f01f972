import { describe, expect, it } from '@jest/globals';
import type { Claimed, DispatchReport } from '../../src/dispatch/dispatch.js';
import { renderSummary } from '../../src/dispatch/summary.js';
import { foldLedger } from '../../src/ledger/fold.js';

const claimed = (issue: number, title: string, extra: Partial<Claimed> = {}): Claimed => ({
  kind: 'issue',
  issue,
  title,
  epoch: 1,
  claim: `r1a1-${issue}-e1`,
  lease: '2026-11-26T13:00:00Z',
  footprint: { entries: ['src/cart.ts'], source: 'explicit', hiddenTextIgnored: false },
  ...extra,
});

const report = (extra: Partial<DispatchReport>): DispatchReport => ({
  trackingIssue: 10,
  claimed: [],
  lost: [],
  skipped: [],
  expired: [],
  ledger: foldLedger([], () => false).stats,
  capacity: 3,
  activeClaims: 0,
  dryRun: false,
  rotatedFrom: null,
  treeFiles: 6,
  warnings: [],
  tampering: [],
  recovery: null,
  ...extra,
});

describe('the job summary', () => {
  it('says when hidden text in a picked issue was ignored, and only then', () => {
    const summary = renderSummary(
      report({
        claimed: [
          claimed(1, 'Visible'),
          claimed(2, 'Hidden', {
            footprint: { entries: ['src/cart.ts'], source: 'explicit', hiddenTextIgnored: true },
          }),
        ],
      }),
      'acme/shop',
    );
    expect(summary).toContain('- #2: hidden text in the issue was ignored');
    expect(summary).not.toContain('- #1: hidden text');
    expect(renderSummary(report({ claimed: [claimed(1, 'Visible')] }), 'acme/shop')).not.toContain(
      'hidden text',
    );
  });
});
