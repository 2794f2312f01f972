import type { ClaimMark } from '../ledger/trailers.js';
import { claimMarker } from '../ledger/trailers.js';
import { safeInline } from '../markdown.js';
import type { Role, Usage } from '../model/port.js';
import type { RoundRecord } from '../scrum/loop.js';
import type { Story, SubIssue } from '../scrum/roles.js';
import type { Finding } from '../scrum/security.js';

/**
 * What people read of a worker's run: the progress comment on the issue, the pull request's body
 * and the job summary. Every text that came from the issue or a model is shown inert
 * (`safeInline`): no mention, link, HTML or table break of its own.
 */

export const PROGRESS_MARKER = '<!-- ai-scrum-progress v1 -->';

/** The note of a progress comment dispatch opened and no worker has edited yet. */
export const CLAIMED_NOTE = 'Claimed; a worker starts on it in this run.';

/** The worker's result as every view shows it. */
export interface WorkerOutcomeView {
  issue: number;
  mark: ClaimMark;
  runUrl: string | null;
  story: Story | null;
  rounds: RoundRecord[];
  findings: Finding[];
  revisions: number;
  models: Record<Role, string>;
  /** Where the model answered from: the provider, and a base URL when one was given. */
  modelSource: string;
  usage: Usage;
  /** This attempt's spend, and the issue's in all (earlier attempts included). */
  costUsd: number;
  issueCostUsd: number;
  attempts: number;
  resumedFrom: string | null;
}

export type Step = 'claimed' | 'story' | 'development' | 'qa' | 'review' | 'verdict' | 'pull';

const STEPS: { step: Step; label: string }[] = [
  { step: 'claimed', label: 'Claimed and branch taken' },
  { step: 'story', label: 'User story and acceptance criteria' },
  { step: 'development', label: 'Development' },
  { step: 'qa', label: "The repository's tests and coverage" },
  { step: 'review', label: 'Security review' },
  { step: 'verdict', label: "Product owner's verdict" },
  { step: 'pull', label: 'Pull request ready for review' },
];

const usd = (value: number) => `$${value.toFixed(value < 1 ? 4 : 2)}`;

export interface Progress {
  /** The step under way (those before it are done), or null when the run ended. */
  current: Step | null;
  done: Step[];
  round: number | null;
  note: string;
  costUsd: number;
  issueCostUsd: number;
  pull: { number: number; draft: boolean } | null;
}

/** The one progress comment, edited in place as each phase passes. */
export function progressBody(
  issue: number,
  mark: ClaimMark,
  runUrl: string | null,
  p: Progress,
): string {
  const lines = STEPS.map(({ step, label }) => {
    const done = p.done.includes(step);
    const current = p.current === step;
    const round = step === 'development' && p.round !== null ? ` (round ${p.round + 1})` : '';
    return `- [${done ? 'x' : ' '}] ${current ? '**' : ''}${label}${round}${current ? '** ⏳' : ''}`;
  });
  return [
    PROGRESS_MARKER,
    `### 🤖 AI Scrum Master on #${issue}`,
    '',
    ...lines,
    '',
    p.note,
    '',
    `Cost so far: ${usd(p.costUsd)} this attempt, ${usd(p.issueCostUsd)} for the issue in all.` +
      (p.pull ? ` Pull request: #${p.pull.number}${p.pull.draft ? ' (draft)' : ''}.` : '') +
      (runUrl ? ` [The run](${runUrl}).` : ''),
    '',
    `<sub>Claim \`${mark.claim}\`, epoch ${mark.epoch}. This comment is edited in place.</sub>`,
  ].join('\n');
}

function storySection(story: Story | null): string[] {
  if (!story) return ['## User story', '', '_Not written._'];
  return [
    `## User story: ${safeInline(story.title, 200)}`,
    '',
    safeInline(story.story, 3000),
    '',
    '### Acceptance criteria',
    '',
    ...story.acceptanceCriteria.map((c) => `- ${safeInline(c, 600)}`),
  ];
}

function checksSection(rounds: RoundRecord[]): string[] {
  const last = [...rounds].reverse().find((round) => !round.unscanned);
  if (!last) return ['## Tests and coverage', '', '_No round was checked._'];
  const qa = last.qa;
  return [
    `## Tests and coverage (measured by the worker in round ${last.round + 1})`,
    '',
    ...qa.summary.split('\n').map((line) => `- ${safeInline(line, 500)}`),
    ...(qa.coverage !== null ? [] : ['- Coverage: no report was read']),
  ];
}

export function findingsSection(findings: Finding[]): string[] {
  if (findings.length === 0) return ['## Security review', '', 'No findings.'];
  return [
    '## Security review',
    '',
    '| Severity | By | File | Finding |',
    '| --- | --- | --- | --- |',
    ...findings.map(
      (f) =>
        `| ${f.severity} | ${f.source === 'model' ? 'model reviewer' : `rule ${f.rule}`} | ${f.file ? `\`${safeInline(f.file, 200).replace(/`/g, "'")}\`` : ''} | ${safeInline(f.description, 500)} |`,
    ),
  ];
}

function roundsSection(view: WorkerOutcomeView): string[] {
  const verdicts = view.rounds.map((round) => {
    const verdict = round.verdict
      ? round.verdict.decision === 'approve'
        ? 'approved'
        : `changes asked: ${round.verdict.reasons.map((r) => safeInline(r, 200)).join('; ')}`
      : round.unscanned
        ? 'cut short, not checked'
        : round.findings.some((f) => f.severity === 'high')
          ? `blocked by the security review (${[...new Set(round.findings.filter((f) => f.severity === 'high').map((f) => f.rule))].join(', ')})`
          : round.cut
            ? `cut short by the ${round.cut}, checked`
            : round.qa.passed
              ? 'not judged: nothing changed'
              : 'tests failed';
    return `- Round ${round.round + 1}: ${verdict}`;
  });
  return [
    `## Revisions: ${view.revisions}`,
    '',
    ...(view.resumedFrom ? [`Resumed from checkpoint ${view.resumedFrom.slice(0, 7)}.`, ''] : []),
    ...verdicts,
  ];
}

function costSection(view: WorkerOutcomeView): string[] {
  const u = view.usage;
  return [
    '## Models, tokens and cost',
    '',
    `- Models: product owner \`${view.models.po}\`, developer \`${view.models.dev}\`, reviewer \`${view.models.review}\` (${safeInline(view.modelSource, 200)})`,
    `- Tokens: ${u.input} input, ${u.output} output, ${u.cacheCreation} cache writes, ${u.cacheRead} cache reads`,
    `- Cost: ${usd(view.costUsd)} this attempt; ${usd(view.issueCostUsd)} for the issue over ${view.attempts} attempt${view.attempts === 1 ? '' : 's'}, from the API's usage counts`,
  ];
}

/** What the pull request and the summary both say: story, checks, findings, rounds, cost. */
function workSections(view: WorkerOutcomeView): string[] {
  return [
    ...storySection(view.story),
    '',
    ...checksSection(view.rounds),
    '',
    ...findingsSection(view.findings),
    '',
    ...roundsSection(view),
    '',
    ...costSection(view),
  ];
}

/** The pull request's body: what was asked, what was measured, what it cost, and the claim. */
export function pullBody(view: WorkerOutcomeView, state: string): string {
  return [
    `Closes #${view.issue}`,
    '',
    `> Opened by the AI Scrum Master. ${state}`,
    '',
    ...workSections(view),
    '',
    claimMarker(view.mark),
  ].join('\n');
}

/** The body of one sub-issue of a split. */
export function subIssueBody(
  parent: number,
  order: number,
  of: number,
  sub: SubIssue,
  marker: string,
): string {
  return [
    `Part ${order} of ${of} of #${parent}, split by the AI Scrum Master's product owner.`,
    '',
    `**Story:** ${safeInline(sub.story, 3000)}`,
    '',
    '### Acceptance criteria',
    '',
    ...sub.acceptanceCriteria.map((c) => `- ${safeInline(c, 600)}`),
    '',
    '### Files',
    '',
    ...sub.files.map((f) => `- \`${safeInline(f, 300).replace(/`/g, "'")}\``),
    '',
    marker,
  ].join('\n');
}

export interface SummaryView extends WorkerOutcomeView {
  outcome: string;
  reason: string;
  pull: { number: number; url: string } | null;
  subIssues: number[];
  warnings: string[];
}

export function renderSummary(view: SummaryView): string {
  return [
    `## AI Scrum Master worker: #${view.issue} — ${view.outcome}`,
    '',
    safeInline(view.reason, 1000),
    '',
    `| Pull request | Revisions | Cost (attempt) | Cost (issue) | Input | Output | Cache reads |`,
    '| --- | --- | --- | --- | --- | --- | --- |',
    `| ${view.pull ? `[#${view.pull.number}](${view.pull.url})` : '—'} | ${view.revisions} | ${usd(view.costUsd)} | ${usd(view.issueCostUsd)} | ${view.usage.input} | ${view.usage.output} | ${view.usage.cacheRead} |`,
    '',
    ...(view.subIssues.length > 0
      ? [`Split into ${view.subIssues.map((n) => `#${n}`).join(', ')}, in that order.`, '']
      : []),
    ...workSections(view),
    ...(view.warnings.length > 0
      ? ['', '### Warnings', '', ...view.warnings.map((w) => `- ${safeInline(w, 500)}`)]
      : []),
    '',
  ].join('\n');
}
