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
  complexity: null,
  estimate: { usd: 1, basis: 'default', samples: 0 },
  ...extra,
});

const where = { repository: 'acme/shop', serverUrl: 'https://github.com' };

const report = (extra: Partial<DispatchReport>): DispatchReport => ({
  trackingIssue: 10,
  writer: 'github-actions[bot]',
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
  tamperingAlerted: false,
  recovery: null,
  dayLeftUsd: 25,
  written: 1,
  failed: [],
  ...extra,
});

const hostile =
  'Ping @alice ![x](https://evil.example/p.png) <img src=x> [y](https://evil.example) | ' +
  '`code`\n## heading https://evil.example';

describe('the job summary', () => {
  it('shows hostile titles as text: no mention, image, link, HTML or broken table', () => {
    const summary = renderSummary(
      report({
        claimed: [claimed(1, hostile)],
        skipped: [{ issue: 2, title: hostile, reason: { kind: 'blocked-by', issue: 1 } }],
      }),
      where,
    );
    const rows = summary.split('\n').filter((line) => line.startsWith('| [#'));
    expect(rows).toHaveLength(2);
    for (const row of rows) {
      const title = row.split(' | ')[0]!.replace(/^\| \[#\d+\]\([^)]*\) /, '');
      expect(title).not.toMatch(/@[a-z]/i);
      expect(title).not.toMatch(/(^|[^\\])[![<`]/);
      expect(title).not.toContain('https://');
    }
    // Two columns for the reason table, six for the picked one: no extra pipes.
    expect(rows[0]!.match(/\|/g)).toHaveLength(7);
    expect(rows[1]).toMatch(
      /^\| \[#2\]\(https:\/\/github\.com\/acme\/shop\/issues\/2\) Ping @\u200Balice .* \| blocked by #1 \|$/,
    );
    expect(summary).not.toContain('\n## heading');
  });

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
      where,
    );
    expect(summary).toContain(
      '- [#2](https://github.com/acme/shop/issues/2): hidden text in the issue was ignored',
    );
    expect(summary).not.toContain('/issues/1): hidden text');
    expect(renderSummary(report({ claimed: [claimed(1, 'Visible')] }), where)).not.toContain(
      'hidden text',
    );
  });
});
