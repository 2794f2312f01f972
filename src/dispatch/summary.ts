import { describeTampering } from '../ledger/chain.js';
import { safeInline } from '../markdown.js';
import type { DispatchReport } from './dispatch.js';

/** The job summary: what was picked, and for every other ready issue why it was not. */

const MAX_ROWS = 1000;
const cell = (text: string) =>
  text
    .replace(/[|\r\n]/g, ' ')
    .replace(/</g, '&lt;')
    .slice(0, 100);

export function renderSummary(report: DispatchReport, repository: string): string {
  const lines = [
    `## AI Scrum Master — dispatch${report.dryRun ? ' (dry run: nothing was written)' : ''}`,
    '',
  ];
  if (report.recovery) {
    const { issue, superseded, evidence } = report.recovery;
    lines.push(
      `### Ledger recovered into #${issue}`,
      '',
      `From the unchanged comments of the tampered ledger and ${evidence.length} branch(es) of work on GitHub. ` +
        `Set aside: ${superseded.map((n) => `#${n}`).join(', ') || 'none'}. What was found:`,
      '',
      ...report.tampering.map((t) => `- ${safeInline(describeTampering(t), 300)}`),
      '',
      'Nothing was claimed in this run; the next dispatch works from the recovered ledger.',
      '',
    );
    return lines.join('\n');
  }
  if (report.tampering.length > 0) {
    lines.push(
      '### The ledger was changed by hand: nothing was claimed',
      '',
      ...report.tampering.map((t) => `- ${safeInline(describeTampering(t), 300)}`),
      '',
      'A maintainer (admin or maintain access) recovers it by running this workflow by hand with `recover-ledger: true` (see docs/ledger.md in the toolkit).',
      '',
    );
    return lines.join('\n');
  }
  lines.push(
    `${report.claimed.length} picked · ${report.activeClaims} already in progress · capacity ${report.capacity} · ` +
      `${report.skipped.length} not picked · tracking issue ${report.trackingIssue ? `#${report.trackingIssue}` : 'none yet'}`,
    '',
  );
  if (report.claimed.length > 0) {
    lines.push(
      report.dryRun ? '### Would pick' : '### Picked',
      '',
      '| Issue | Kind | Claim | Epoch | Footprint |',
      '| --- | --- | --- | --- | --- |',
    );
    for (const c of report.claimed) {
      const files =
        c.footprint.entries
          .slice(0, 5)
          .map((f) => `\`${cell(f)}\``)
          .join(', ') +
        (c.footprint.entries.length > 5 ? ` … (${c.footprint.entries.length})` : '');
      lines.push(
        `| #${c.issue} ${safeInline(c.title)} | ${c.kind}${c.pull ? ` (#${c.pull})` : ''} | \`${c.claim}\` | ${c.epoch} | ${files} (${c.footprint.source}) |`,
      );
    }
    lines.push('');
    const hidden = report.claimed.filter((c) => c.footprint.hiddenTextIgnored);
    if (hidden.length > 0) {
      lines.push(
        ...hidden.map(
          (c) =>
            `- #${c.issue}: hidden text in the issue was ignored (it named files that its footprint does not lock)`,
        ),
        '',
      );
    }
  }
  if (report.lost.length > 0) {
    lines.push(
      '### Lost to a concurrent dispatch',
      '',
      ...report.lost.map((c) => `- #${c.issue}: claim \`${c.claim}\` was void`),
      '',
    );
  }
  // Every other issue gets its reason; the long tail waiting for capacity is listed compactly so
  // the summary stays far below GitHub's 1 MiB even for very large backlogs.
  const waiting = report.skipped.filter((s) => s.reason === 'no capacity');
  const others = report.skipped.filter((s) => s.reason !== 'no capacity');
  if (others.length > 0) {
    lines.push('### Not picked', '', '| Issue | Reason |', '| --- | --- |');
    for (const s of others.slice(0, MAX_ROWS))
      lines.push(`| #${s.issue} ${safeInline(s.title)} | ${cell(s.reason)} |`);
    if (others.length > MAX_ROWS) {
      lines.push(
        '',
        `Also not picked: ${others
          .slice(MAX_ROWS)
          .map((s) => `#${s.issue} (${cell(s.reason)})`)
          .join(', ')}`,
      );
    }
    lines.push('');
  }
  if (waiting.length > 0) {
    lines.push(
      `### No capacity (${waiting.length}), in queue order`,
      '',
      waiting.map((s) => `#${s.issue}`).join(', '),
      '',
    );
  }
  if (report.expired.length > 0) {
    lines.push(
      '### Expired claims',
      '',
      ...report.expired.map((e) => `- #${e.issue}: \`${e.claim}\` (${e.reason})`),
      '',
    );
  }
  const ledger = report.ledger;
  lines.push(
    '### Ledger',
    '',
    `${ledger.entries} entries from ${ledger.comments - ledger.untrustedComments} trusted comments; ` +
      `${ledger.untrustedComments} comments by others ignored; ${ledger.skipped} malformed entries skipped; ` +
      `${ledger.voidClaims} void claims.` +
      (report.rotatedFrom ? ` Rotated from #${report.rotatedFrom}.` : '') +
      ` Repository tree: ${report.treeFiles} files (${repository}).`,
    '',
  );
  if (report.warnings.length > 0)
    lines.push('### Warnings', '', ...report.warnings.map((w) => `- ${cell(w)}`), '');
  return lines.join('\n');
}

/** The `matrix` output: `{"include":[{issue, claim, epoch, branch, files, kind}]}`. */
export function matrixOf(report: DispatchReport): { include: Record<string, unknown>[] } {
  if (report.dryRun) return { include: [] };
  return {
    include: report.claimed.map((c) => ({
      issue: c.issue,
      claim: c.claim,
      epoch: c.epoch,
      branch: `ai-feature/issue-${c.issue}`,
      files: c.footprint.entries.slice(0, 100),
      kind: c.kind,
      ...(c.pull ? { pull: c.pull } : {}),
    })),
  };
}
