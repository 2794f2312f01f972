import { safeInline } from '../markdown.js';
import { effectiveClaims, spendOn, utcDay, type LedgerState } from './fold.js';

/** The tracking issue's body: a view of the folded ledger, re-rendered at every dispatch. */

export const DASHBOARD_MARKER = '<!-- ai-scrum-dashboard -->';
export const TRACKING_TITLE = 'AI Scrum Master — coordination';

export interface DashboardInput {
  state: LedgerState;
  now: Date;
  /** The next issues in line, in order. */
  queue: { issue: number; title: string }[];
  dailyBudgetUsd: number;
  /** Titles of the issues dispatch read, for the active claims. */
  titles?: ReadonlyMap<number, string>;
  /** Set when this issue replaced an earlier tracking issue. */
  continues?: number;
}

const cell = (text: string) =>
  text
    .replace(/[|\r\n]/g, ' ')
    .replace(/[<>]/g, '')
    .slice(0, 80);

export function renderDashboard(input: DashboardInput): string {
  const { state, now } = input;
  const titled = (issue: number) => {
    const title = input.titles?.get(issue);
    return title ? ` ${safeInline(title, 80)}` : '';
  };
  const claims = effectiveClaims(state, now).sort((a, b) => a.issue - b.issue);
  const paths = claims.flatMap((claim) =>
    claim.files.map((file) => ({ file, issue: claim.issue })),
  );
  const lines = [
    DASHBOARD_MARKER,
    '# AI Scrum Master — coordination',
    '',
    'This issue is the ledger of the AI Scrum Master: its comments by the toolkit record claims and',
    'releases of issues. Comments by anyone else are ignored. This description is a view, rewritten',
    'at every dispatch.',
    ...(input.continues ? ['', `Continues the ledger of #${input.continues}.`] : []),
    '',
    `## Active claims (${claims.length})`,
    '',
  ];
  if (claims.length === 0) lines.push('None.');
  else {
    lines.push(
      '| Issue | Claim | Epoch | Kind | Lease until | Files |',
      '| --- | --- | --- | --- | --- | --- |',
    );
    for (const claim of claims) {
      lines.push(
        `| #${claim.issue}${titled(claim.issue)} | \`${claim.claim}\` | ${claim.epoch} | ${claim.kind} | ${claim.lease} | ${claim.files.length} |`,
      );
    }
  }
  lines.push('', `## Locked paths (${paths.length})`, '');
  if (paths.length === 0) lines.push('None.');
  else {
    for (const { file, issue } of paths.slice(0, 50)) lines.push(`- \`${cell(file)}\` — #${issue}`);
    if (paths.length > 50) lines.push(`- … and ${paths.length - 50} more`);
  }
  lines.push('', `## Queue (next ${Math.min(input.queue.length, 10)})`, '');
  if (input.queue.length === 0) lines.push('Empty.');
  else
    for (const item of input.queue.slice(0, 10))
      lines.push(`1. #${item.issue} ${safeInline(item.title, 80)}`);
  lines.push('', '## Recent outcomes', '');
  const recent = [...state.recent].reverse().slice(0, 10);
  if (recent.length === 0) lines.push('None yet.');
  else {
    lines.push('| Issue | Claim | Outcome | At | Cost |', '| --- | --- | --- | --- | --- |');
    for (const outcome of recent) {
      const cost = outcome.costUsd === undefined ? '' : `$${outcome.costUsd.toFixed(2)}`;
      lines.push(
        `| #${outcome.issue}${outcome.pr ? ` (#${outcome.pr})` : ''} | \`${outcome.claim}\` | ${cell(outcome.outcome)} | ${outcome.at} | ${cost} |`,
      );
    }
  }
  const today = utcDay(now.toISOString());
  lines.push(
    '',
    `## Spend today (${today}, UTC)`,
    '',
    `$${spendOn(state, today).toFixed(2)} of $${input.dailyBudgetUsd.toFixed(2)}, as recorded by the releases in the ledger.`,
    '',
  );
  return lines.join('\n');
}
