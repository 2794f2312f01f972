import type { GateReport } from './gate.js';
import { RULE_TITLES, type RuleOutcome } from './rules.js';

/** The marker that makes the gate's comment on a pull request the one it edits. */
export const GATE_COMMENT_MARKER = '<!-- ai-scrum-merge-gate -->';

const OUTCOME: Record<RuleOutcome, string> = {
  pass: '✅ pass',
  fail: '❌ fail',
  wait: '⏳ wait',
  skip: '➖ skipped',
};

const VERDICT = {
  merge: '✅ **merge**',
  wait: '⏳ **wait**',
  block: '❌ **block**',
} as const;

const ACTION_TEXT: Record<GateReport['actions'][number], string> = {
  status: 'set the `ai-scrum/merge-gate` status',
  'auto-merge-enabled': 'enabled auto-merge (GitHub merges once its requirements are met)',
  merged: 'merged, guarded by the head commit',
  enqueued: 'added to the merge queue',
  'branch-update-requested': 'asked GitHub to update the branch with the base',
  'conflict-handed-back': 'labelled for conflict resolution by a worker',
  released: 'recorded the release in the ledger',
  'issue-closed': 'closed the issue',
  'branch-deleted': 'deleted the branch',
  'branch-deleted-by-github':
    'left deleting the branch to GitHub (the repository deletes head branches on merge)',
  'parent-closed': 'closed the issue this one was split from: its sub-issues are all done',
  'coverage-recorded': 'recorded the coverage as the commit’s `ai-scrum/coverage` status',
  comment: 'updated this comment',
  'held-back': 'turned auto-merge off (and left the merge queue) until the verdict is merge',
};

/** Text from GitHub (file names) shown as code, unable to break out of it. */
const code = (text: string) => `\`${text.replace(/[`\r\n]/g, ' ')}\``;
const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/[\r\n]+/g, ' ');

/** The gate's report in Markdown: the job summary, and the body of its sticky comment. */
export function renderGateReport(report: GateReport, links: { run: string | null }): string {
  const lines = [
    `### AI Scrum Master merge gate${report.pull ? ` — #${report.pull}` : ''}: ${VERDICT[report.verdict]}`,
    '',
  ];
  if (report.dryRun) lines.push('_Dry run: nothing was written._', '');
  if (report.reasons.length > 0) {
    lines.push(...report.reasons.map((reason) => `- ${cell(reason)}`), '');
  }
  if (report.rules.length > 0) {
    lines.push('| rule | result | figure |', '| --- | --- | --- |');
    for (const rule of report.rules)
      lines.push(`| ${RULE_TITLES[rule.id]} | ${OUTCOME[rule.outcome]} | ${cell(rule.figure)} |`);
    lines.push('');
  }
  if (report.patch && report.patch.files.some((file) => file.uncovered.length > 0)) {
    lines.push('<details><summary>Changed lines no test ran</summary>', '');
    for (const file of report.patch.files.filter((f) => f.uncovered.length > 0))
      lines.push(`- ${code(file.path)}: ${ranges(file.uncovered)}`);
    lines.push('', '</details>', '');
  }
  if (report.conflicts !== null) {
    lines.push(
      report.conflicts.length > 0
        ? `Conflicting files: ${report.conflicts.map(code).join(', ')}`
        : 'Conflicts with the base (the files could not be computed on the runner).',
      '',
    );
  }
  if (report.polls > 0)
    lines.push(`Read mergeability ${report.polls + 1} times while GitHub computed it.`, '');
  if (report.actions.length > 0)
    lines.push(`Done: ${report.actions.map((action) => ACTION_TEXT[action]).join('; ')}.`, '');
  for (const warning of report.warnings) lines.push(`> ⚠️ ${cell(warning)}`, '');
  if (links.run) lines.push(`[The run](${links.run})`, '');
  return lines.join('\n');
}

/** `3-5, 9`: line numbers as ranges. */
function ranges(lines: number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    let j = i;
    while (j + 1 < lines.length && lines[j + 1] === lines[j]! + 1) j++;
    parts.push(j > i ? `${lines[i]}-${lines[j]}` : `${lines[i]}`);
    i = j;
  }
  return parts.join(', ');
}
