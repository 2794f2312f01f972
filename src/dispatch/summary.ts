import { describeTampering } from '../ledger/chain.js';
import { describeSkip, isWaiting } from '../backlog/plan.js';
import { safeInline } from '../markdown.js';
import type { DispatchReport } from './dispatch.js';

/** The job summary: what was picked, and for every other ready issue why it was not. */

const MAX_ROWS = 1000;
const cell = (text: string) =>
  text
    .replace(/[|\r\n]/g, ' ')
    .replace(/</g, '&lt;')
    .slice(0, 100);

const plural = (count: number, noun: string, nouns = `${noun}s`) =>
  `${count} ${count === 1 ? noun : nouns}`;
const usd = (amount: number) => `$${amount.toFixed(2)}`;

/** Where the summary's issue links point: job summaries do not autolink `#N`. */
export interface SummaryContext {
  /** OWNER/REPO */
  repository: string;
  /** GITHUB_SERVER_URL: https://github.com, or a GitHub Enterprise Server. */
  serverUrl: string;
}

/** One line on why nothing was dispatched, from the reasons given. */
function nothingBecause(report: DispatchReport): string {
  const considered = report.skipped.length;
  if (considered === 0) return 'no open issue is ready for an AI worker.';
  if (report.capacity === 0)
    return `all ${plural(report.activeClaims, 'worker')} are busy (max-workers reached).`;
  const counts = new Map<string, number>();
  for (const s of report.skipped) counts.set(s.reason.kind, (counts.get(s.reason.kind) ?? 0) + 1);
  const [kind, count] = [...counts].sort((a, b) => b[1] - a[1])[0]!;
  const example = report.skipped.find((s) => s.reason.kind === kind)!;
  return `none of ${plural(considered, 'candidate')} can start now; most often (${count}): ${describeSkip(example.reason)}.`;
}

export function renderSummary(report: DispatchReport, where: SummaryContext): string {
  const link = (issue: number) =>
    `[#${issue}](${where.serverUrl}/${where.repository}/issues/${issue})`;
  const lines = [
    `## AI Scrum Master — dispatch${report.dryRun ? ' (dry run: nothing was written)' : ''}`,
    '',
  ];
  if (report.recovery) {
    const { issue, superseded, evidence } = report.recovery;
    lines.push(
      `### Ledger recovered into ${link(issue)}`,
      '',
      `From the unchanged comments of the tampered ledger and ${evidence.length} branch(es) of work on GitHub. ` +
        `Set aside: ${superseded.map(link).join(', ') || 'none'}. What was found:`,
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
  const inProgress = report.skipped.filter((s) => s.reason.kind === 'in-progress');
  const waiting = report.skipped.filter((s) => isWaiting(s.reason));
  const others = report.skipped.filter(
    (s) => s.reason.kind !== 'in-progress' && !isWaiting(s.reason),
  );
  const estimated = report.claimed.reduce((sum, c) => sum + c.estimate.usd, 0);
  lines.push(
    `${report.claimed.length} picked · ${report.activeClaims} in progress · capacity ${report.capacity} · ` +
      `${waiting.length} waiting · ${others.length} not eligible · tracking issue ${report.trackingIssue ? link(report.trackingIssue) : 'none yet'}`,
    '',
  );
  if (report.claimed.length === 0)
    lines.push(`**Nothing to dispatch:** ${nothingBecause(report)}`, '');
  lines.push(
    `Budget: ${usd(Math.max(report.dayLeftUsd, 0))} left today before this batch` +
      (report.claimed.length > 0 ? `; this batch is estimated at ${usd(estimated)}.` : '.'),
    '',
  );
  if (report.claimed.length > 0) {
    lines.push(
      report.dryRun ? '### Would pick' : '### Picked',
      '',
      '| Issue | Kind | Claim | Epoch | Estimate | Footprint |',
      '| --- | --- | --- | --- | --- | --- |',
    );
    for (const c of report.claimed) {
      const files =
        c.footprint.entries
          .slice(0, 5)
          .map((f) => `\`${cell(f)}\``)
          .join(', ') +
        (c.footprint.entries.length > 5
          ? ` … (${plural(c.footprint.entries.length, 'entry', 'entries')})`
          : '');
      const basis =
        c.estimate.basis === 'default'
          ? 'default, no history'
          : `p80 of ${plural(c.estimate.samples, 'attempt')}${c.estimate.basis === 'all' ? ' of any size' : ''}`;
      lines.push(
        `| ${link(c.issue)} ${safeInline(c.title)} | ${c.kind}${c.pull ? ` (${link(c.pull)})` : ''} | \`${c.claim}\` | ${c.epoch} | ${usd(c.estimate.usd)} (${basis}) | ${files} (${c.footprint.source}) |`,
      );
    }
    lines.push('');
    const hidden = report.claimed.filter((c) => c.footprint.hiddenTextIgnored);
    if (hidden.length > 0) {
      lines.push(
        ...hidden.map(
          (c) =>
            `- ${link(c.issue)}: hidden text in the issue was ignored (it named files that its footprint does not lock)`,
        ),
        '',
      );
    }
  }
  if (report.lost.length > 0) {
    lines.push(
      '### Lost to a concurrent dispatch',
      '',
      ...report.lost.map((c) => `- ${link(c.issue)}: claim \`${c.claim}\` was void`),
      '',
    );
  }
  if (inProgress.length > 0) {
    lines.push(
      `### In progress (${inProgress.length})`,
      '',
      inProgress.map((s) => `${link(s.issue)} (${describeSkip(s.reason)})`).join(', '),
      '',
    );
  }
  // Every other issue gets its reason; the long tail waiting is listed compactly so the summary
  // stays far below GitHub's 1 MiB even for very large backlogs.
  if (others.length > 0) {
    lines.push('### Not eligible now', '', '| Issue | Reason |', '| --- | --- |');
    for (const s of others.slice(0, MAX_ROWS))
      lines.push(`| ${link(s.issue)} ${safeInline(s.title)} | ${cell(describeSkip(s.reason))} |`);
    if (others.length > MAX_ROWS) {
      lines.push(
        '',
        `Also not eligible: ${others
          .slice(MAX_ROWS)
          .map((s) => `${link(s.issue)} (${cell(describeSkip(s.reason))})`)
          .join(', ')}`,
      );
    }
    lines.push('');
  }
  if (waiting.length > 0) {
    lines.push(`### Waiting (${waiting.length}), in queue order`, '');
    const shown = waiting.slice(0, MAX_ROWS);
    lines.push(
      shown
        .map((s) =>
          s.reason.kind === 'no-capacity'
            ? link(s.issue)
            : `${link(s.issue)} (${cell(describeSkip(s.reason))})`,
        )
        .join(', ') + (waiting.length > MAX_ROWS ? `, and ${waiting.length - MAX_ROWS} more` : ''),
      '',
    );
  }
  if (report.failed.length > 0) {
    lines.push(
      '### Labelled failed',
      '',
      `${report.failed.map(link).join(', ')}: out of attempts or budget; each got one comment saying how to retry.`,
      '',
    );
  }
  if (report.expired.length > 0) {
    lines.push(
      '### Expired claims',
      '',
      ...report.expired.map((e) => `- ${link(e.issue)}: \`${e.claim}\` (${e.reason})`),
      '',
    );
  }
  const ledger = report.ledger;
  const trusted = ledger.comments - ledger.untrustedComments;
  lines.push(
    '### Ledger',
    '',
    `Read: ${plural(trusted, 'trusted comment')} with ${plural(ledger.entries, 'entry', 'entries')}; ` +
      `${plural(ledger.untrustedComments, 'comment')} by others ignored; ` +
      `${plural(ledger.skipped, 'malformed entry', 'malformed entries')} skipped; ${plural(ledger.voidClaims, 'void claim')}. ` +
      `Wrote: ${plural(report.written, 'comment')}.` +
      (report.rotatedFrom ? ` Rotated from ${link(report.rotatedFrom)}.` : '') +
      ` Repository tree: ${plural(report.treeFiles, 'file')} (${where.repository}).`,
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
      writer: report.writer,
      ...(c.pull ? { pull: c.pull } : {}),
    })),
  };
}
