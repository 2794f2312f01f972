import picomatch from 'picomatch';
import type { PatchCoverage, Totals } from '../coverage/index.js';

/**
 * The merge gate's rules: pure functions from the evidence gathered about one pull request to
 * a verdict. Every rule reports its figure, so the summary says why, not only what.
 */

export type Verdict = 'merge' | 'wait' | 'block';
export type RuleOutcome = 'pass' | 'fail' | 'wait' | 'skip';

export interface RuleResult {
  id: RuleId;
  outcome: RuleOutcome;
  /** What was measured, for people: `83.2% ≥ 70%`, `2 of 3 checks passed`. */
  figure: string;
}

export type RuleId =
  | 'origin'
  | 'fencing'
  | 'draft'
  | 'checks'
  | 'coverage'
  | 'coverage-drop'
  | 'patch-coverage'
  | 'protected-paths'
  | 'size'
  | 'human-review'
  | 'mergeable';

export const RULE_TITLES: Readonly<Record<RuleId, string>> = {
  origin: 'Opened by the toolkit from its own branch',
  fencing: 'Claim is current in the ledger',
  draft: 'Ready for review',
  checks: 'Checks and statuses',
  coverage: 'Total coverage',
  'coverage-drop': 'Coverage change against the base',
  'patch-coverage': 'Coverage of changed lines',
  'protected-paths': 'Protected paths untouched',
  size: 'Size',
  'human-review': 'Human review',
  mergeable: 'Mergeable with the base',
};

export interface CheckEvidence {
  name: string;
  state: 'success' | 'failure' | 'pending';
  required: boolean;
}

/** Where the pull request's claim stands in the ledger (see fencingOf). */
export type Fencing =
  | { kind: 'current'; claim: string; epoch: number; how: 'effective' | 'completing' }
  | { kind: 'stale'; claim: string; epoch: number; why: string }
  | { kind: 'unmarked' };

export interface CoverageEvidence {
  /** Reports found; `expected` when the workflow declares how many to wait for. */
  reports: number;
  expected: number;
  totals: Totals | null;
  patch: PatchCoverage | null;
  /** Total line coverage of the base commit, when known, and where it came from. */
  base: { percent: number; source: string } | null;
}

export interface GateEvidence {
  /** Same repository, on the toolkit's branch prefix, opened by a trusted identity. */
  origin: { sameRepository: boolean; branch: string; author: string; byToolkit: boolean };
  fencing: Fencing;
  draft: boolean;
  checks: CheckEvidence[];
  /** Null when no coverage source is configured: the coverage rules are skipped. */
  coverage: CoverageEvidence | null;
  files: { path: string; additions: number; deletions: number }[];
  /** False when there were more changed files than one read returns: the list is partial. */
  filesComplete: boolean;
  labels: string[];
  /** Logins of people with write access whose latest review approves. */
  approvals: string[];
  mergeable: 'MERGEABLE' | 'CONFLICTING' | 'UNKNOWN';
  /** GitHub's mergeStateStatus: BEHIND asks for an update of the branch. */
  mergeState: string;
}

export interface GateRules {
  branchPrefix: string;
  coverageThreshold: number;
  maxCoverageDrop: number;
  patchCoverageThreshold: number;
  protectedPaths: string[];
  maxFiles: number;
  maxChangedLines: number;
  reviewLabels: string[];
}

export interface Judgement {
  verdict: Verdict;
  rules: RuleResult[];
  /** The rules that decided: failures for block, waits for wait. */
  reasons: string[];
}

const percent = (value: number | null) => (value === null ? 'n/a' : `${value.toFixed(1)}%`);

export function judge(evidence: GateEvidence, rules: GateRules): Judgement {
  const results: RuleResult[] = [
    origin(evidence, rules),
    fencing(evidence),
    {
      id: 'draft',
      outcome: evidence.draft ? 'wait' : 'pass',
      figure: evidence.draft ? 'draft: never merged until marked ready' : 'ready for review',
    },
    checks(evidence),
    ...coverage(evidence.coverage, rules),
    protectedPaths(evidence, rules),
    size(evidence, rules),
    humanReview(evidence, rules),
    mergeable(evidence),
  ];
  const failed = results.filter((rule) => rule.outcome === 'fail');
  const waiting = results.filter((rule) => rule.outcome === 'wait');
  const verdict: Verdict = failed.length > 0 ? 'block' : waiting.length > 0 ? 'wait' : 'merge';
  const deciding = verdict === 'block' ? failed : verdict === 'wait' ? waiting : [];
  return {
    verdict,
    rules: results,
    reasons: deciding.map((rule) => `${RULE_TITLES[rule.id]}: ${rule.figure}`),
  };
}

function origin(evidence: GateEvidence, rules: GateRules): RuleResult {
  const { sameRepository, branch, author, byToolkit } = evidence.origin;
  const problems = [
    ...(sameRepository ? [] : ['the head is in a fork']),
    ...(branch.startsWith(rules.branchPrefix)
      ? []
      : [`branch ${branch} is not ${rules.branchPrefix}*`]),
    ...(byToolkit ? [] : [`opened by ${author}, not the toolkit`]),
  ];
  return {
    id: 'origin',
    outcome: problems.length === 0 ? 'pass' : 'fail',
    figure: problems.length === 0 ? `${branch} by ${author}` : problems.join('; '),
  };
}

function fencing(evidence: GateEvidence): RuleResult {
  const fence = evidence.fencing;
  if (fence.kind === 'unmarked')
    return { id: 'fencing', outcome: 'fail', figure: 'no AI-Scrum-Claim / AI-Scrum-Epoch marker' };
  if (fence.kind === 'stale')
    return {
      id: 'fencing',
      outcome: 'fail',
      figure: `claim ${fence.claim} epoch ${fence.epoch} is stale: ${fence.why}`,
    };
  return {
    id: 'fencing',
    outcome: 'pass',
    figure: `claim ${fence.claim} epoch ${fence.epoch} (${fence.how})`,
  };
}

/**
 * Every check on the head counts: a failing one blocks whether or not protection requires it
 * (a repository without protection must not merge a red build). A pending check that is not
 * required waits; one that is required is left to GitHub, whose auto-merge holds the merge
 * until it passes. With no check at all there is no evidence yet: wait.
 */
function checks(evidence: GateEvidence): RuleResult {
  const failing = evidence.checks.filter((c) => c.state === 'failure');
  const pendingOptional = evidence.checks.filter((c) => c.state === 'pending' && !c.required);
  const pendingRequired = evidence.checks.filter((c) => c.state === 'pending' && c.required);
  const passed = evidence.checks.filter((c) => c.state === 'success').length;
  const total = evidence.checks.length;
  if (total === 0)
    return {
      id: 'checks',
      outcome: 'wait',
      figure: 'no check has reported on the head commit yet',
    };
  if (failing.length > 0)
    return { id: 'checks', outcome: 'fail', figure: `failing: ${names(failing)}` };
  if (pendingOptional.length > 0)
    return {
      id: 'checks',
      outcome: 'wait',
      figure: `${passed} of ${total} passed; pending: ${names([...pendingOptional, ...pendingRequired])}`,
    };
  if (pendingRequired.length > 0)
    return {
      id: 'checks',
      outcome: 'pass',
      figure: `${passed} of ${total} passed; required and pending: ${names(pendingRequired)} (GitHub's auto-merge waits for them)`,
    };
  return { id: 'checks', outcome: 'pass', figure: `${passed} of ${total} passed` };
}

const names = (checks: CheckEvidence[]) => checks.map((c) => c.name).join(', ');

function coverage(evidence: CoverageEvidence | null, rules: GateRules): RuleResult[] {
  if (evidence === null)
    return (['coverage', 'coverage-drop', 'patch-coverage'] as const).map((id) => ({
      id,
      outcome: 'skip',
      figure: 'no coverage source configured',
    }));
  if (evidence.reports < Math.max(evidence.expected, 1)) {
    // A partial set of reports is never judged: wait until all the workflow declared arrived.
    const outcome: RuleOutcome = evidence.expected > 0 ? 'wait' : 'fail';
    const figure =
      evidence.expected > 0
        ? `${evidence.reports} of ${evidence.expected} reports arrived`
        : 'no coverage report found';
    return (['coverage', 'coverage-drop', 'patch-coverage'] as const).map((id) => ({
      id,
      outcome,
      figure,
    }));
  }
  const lines = evidence.totals?.lines;
  const total: RuleResult =
    !lines || lines.total === 0 || lines.percent === null
      ? { id: 'coverage', outcome: 'fail', figure: 'the reports hold no executable lines' }
      : {
          id: 'coverage',
          outcome: lines.percent >= rules.coverageThreshold ? 'pass' : 'fail',
          figure: `${percent(lines.percent)} (${lines.covered}/${lines.total} lines) ${lines.percent >= rules.coverageThreshold ? '≥' : '<'} ${rules.coverageThreshold}%`,
        };
  let drop: RuleResult;
  if (!evidence.base || lines?.percent == null) {
    drop = {
      id: 'coverage-drop',
      outcome: 'skip',
      figure: 'base coverage unknown (no base report, no ai-scrum/coverage status on the base)',
    };
  } else {
    const delta = lines.percent - evidence.base.percent;
    drop = {
      id: 'coverage-drop',
      outcome: delta >= -rules.maxCoverageDrop ? 'pass' : 'fail',
      figure: `${delta >= 0 ? '+' : ''}${delta.toFixed(2)} points against ${percent(evidence.base.percent)} (${evidence.base.source}); allowed drop ${rules.maxCoverageDrop}`,
    };
  }
  const patch = evidence.patch;
  const patchResult: RuleResult =
    !patch || patch.total === 0 || patch.percent === null
      ? { id: 'patch-coverage', outcome: 'pass', figure: 'no executable lines changed' }
      : {
          id: 'patch-coverage',
          outcome: patch.percent >= rules.patchCoverageThreshold ? 'pass' : 'fail',
          figure: `${percent(patch.percent)} (${patch.covered}/${patch.total} changed lines) ${patch.percent >= rules.patchCoverageThreshold ? '≥' : '<'} ${rules.patchCoverageThreshold}%`,
        };
  return [total, drop, patchResult];
}

function protectedPaths(evidence: GateEvidence, rules: GateRules): RuleResult {
  // `infra` protects the folder too, as a person writing it means: `infra` and `infra/**`.
  const patterns = rules.protectedPaths.flatMap((path) =>
    picomatch.scan(path).isGlob
      ? [path]
      : [path.replace(/\/+$/, ''), `${path.replace(/\/+$/, '')}/**`],
  );
  const matches = picomatch(patterns.length > 0 ? patterns : ['\0'], { dot: true });
  const touched = evidence.files.filter((file) => matches(file.path)).map((file) => file.path);
  return touched.length > 0
    ? { id: 'protected-paths', outcome: 'fail', figure: `changes ${touched.join(', ')}` }
    : {
        id: 'protected-paths',
        outcome: 'pass',
        figure:
          rules.protectedPaths.length > 0
            ? `none of ${rules.protectedPaths.join(', ')}`
            : 'none configured',
      };
}

function size(evidence: GateEvidence, rules: GateRules): RuleResult {
  if (!evidence.filesComplete)
    return {
      id: 'size',
      outcome: 'fail',
      figure: `more than ${evidence.files.length} files changed: too many to check`,
    };
  const files = evidence.files.length;
  const lines = evidence.files.reduce((sum, file) => sum + file.additions + file.deletions, 0);
  const ok = files <= rules.maxFiles && lines <= rules.maxChangedLines;
  return {
    id: 'size',
    outcome: ok ? 'pass' : 'fail',
    figure: `${files} files (limit ${rules.maxFiles}), ${lines} changed lines (limit ${rules.maxChangedLines})`,
  };
}

function humanReview(evidence: GateEvidence, rules: GateRules): RuleResult {
  const demanding = evidence.labels.filter((label) => rules.reviewLabels.includes(label));
  if (demanding.length === 0)
    return { id: 'human-review', outcome: 'skip', figure: 'no label demands a human review' };
  if (evidence.approvals.length > 0)
    return {
      id: 'human-review',
      outcome: 'pass',
      figure: `${demanding.join(', ')}: approved by ${evidence.approvals.join(', ')}`,
    };
  return {
    id: 'human-review',
    outcome: 'wait',
    figure: `${demanding.join(', ')}: waiting for an approving review from someone with write access`,
  };
}

function mergeable(evidence: GateEvidence): RuleResult {
  if (evidence.mergeable === 'CONFLICTING')
    return {
      id: 'mergeable',
      outcome: 'fail',
      figure: 'conflicts with the base: handed back to a worker',
    };
  if (evidence.mergeable === 'UNKNOWN')
    return { id: 'mergeable', outcome: 'wait', figure: 'GitHub is still computing mergeability' };
  if (evidence.mergeState === 'BEHIND')
    return { id: 'mergeable', outcome: 'wait', figure: 'behind the base: branch update requested' };
  return {
    id: 'mergeable',
    outcome: 'pass',
    figure: `mergeable (${evidence.mergeState.toLowerCase()})`,
  };
}
