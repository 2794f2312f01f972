import { execFile, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { startTwin, type FixtureInput, type Twin } from '../../twin/index.js';
import type { CliIo } from '../main.js';
import {
  BOT,
  COVERAGE_COMMAND,
  DEMO_TOKEN,
  ISSUES,
  modelScripts,
  PROJECT_FILES,
} from './backlog.js';
import { decodeEntries } from '../../ledger/codec.js';
import type { LedgerEntry } from '../../ledger/entries.js';
import { renderHtml, type DemoEvent, type DemoReport, type IssuePath } from './report.js';

/**
 * `ai-scrum demo`: the whole toolkit on one machine. The twin stands in for GitHub (with its CI
 * model and GITHUB_TOKEN semantics) and its scripted model for Claude; dispatch, the workers and
 * the merge gate run as the committed dist/ bundles, as processes with a runner's environment,
 * with the inputs the reusable workflow gives them, cycling until the backlog drains.
 */

const exec = promisify(execFile);
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const MAX_CYCLES = 10;

export interface DemoOptions {
  json: string | null;
  html: string | null;
  /** Where the job summaries and the dashboard are written. */
  outDir: string;
  /** The real model instead of the scripted one (ANTHROPIC_API_KEY from `env`). */
  live?: boolean;
  env?: NodeJS.ProcessEnv;
}

/** What the workers' model is: the twin's scripted one, or with `--live` Anthropic's. */
export interface DemoModel {
  live: boolean;
  /** Inputs of the worker (and dispatch's budget) that differ from DEMO_INPUTS. */
  workerInputs: Record<string, string>;
  dispatchInputs: Record<string, string>;
  /** The workers' environment over the twin's: with --live, the twin's model URL goes. */
  env: Record<string, string | undefined>;
  describe: string;
}

/** The real model spends money: the demo's day is capped at this, its issues as ever. */
export const LIVE_DAILY_BUDGET_USD = '10';

/** The model the demo runs with, or a problem to report when --live cannot run. */
export function demoModel(live: boolean, env: NodeJS.ProcessEnv): DemoModel | { problem: string } {
  if (!live)
    return {
      live: false,
      workerInputs: {},
      dispatchInputs: {},
      env: {},
      describe: 'a SCRIPTED model for Claude',
    };
  const key = env['ANTHROPIC_API_KEY']?.trim();
  if (!key)
    return {
      problem:
        '--live needs ANTHROPIC_API_KEY in the environment (an Anthropic API key); without --live the demo runs the scripted model and needs no key.',
    };
  const baseUrl = env['ANTHROPIC_BASE_URL']?.trim() || undefined;
  return {
    live: true,
    // The scripted run reviews with a smaller model to keep its token counts small; the real
    // one keeps the toolkit's defaults.
    workerInputs: {
      'anthropic-api-key': key,
      'review-model': '',
      'daily-budget-usd': LIVE_DAILY_BUDGET_USD,
    },
    dispatchInputs: { 'daily-budget-usd': LIVE_DAILY_BUDGET_USD },
    env: { ANTHROPIC_BASE_URL: baseUrl },
    describe: `the REAL model (--live, ${baseUrl ?? "Anthropic's API"}; at most $${LIVE_DAILY_BUDGET_USD} today)`,
  };
}

const COMMON = { 'github-token': DEMO_TOKEN };
/** The inputs the reusable workflow gives each action, as the demo runs them. */
export const DEMO_INPUTS = {
  dispatch: {
    ...COMMON,
    'max-workers': '4',
    'lease-minutes': '90',
    'issue-budget-usd': '1.2',
    'daily-budget-usd': '50',
  },
  worker: {
    ...COMMON,
    'anthropic-api-key': 'scripted-model',
    'review-model': 'claude-haiku-5-5',
    'test-command': 'node --test',
    'coverage-command': COVERAGE_COMMAND,
    'coverage-files': 'coverage/lcov.info',
    'ci-workflow': 'ci.yml',
    'issue-budget-usd': '1.2',
    'budget-reserve-usd': '0.3',
    'daily-budget-usd': '50',
    'max-revisions': '1',
    // The demo runs on any machine, root or not: the agent runs as this user (docs/sandbox.md).
    sandbox: 'none',
    'deadline-minutes': '60',
  },
  gate: {
    ...COMMON,
    'coverage-artifact': 'coverage',
    'expected-reports': '1',
    'mergeable-wait-seconds': '5',
  },
};

interface Run {
  code: number;
  stdout: string;
  outputs: Record<string, string>;
  summary: string;
  ms: number;
}

/** GITHUB_OUTPUT's `name<<delimiter` blocks, as the runner reads them. */
export function parseOutputs(text: string): Record<string, string> {
  const outputs: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const match = /^([^<=]+)<<(.+)$/.exec(lines[i]!);
    if (!match) continue;
    const value: string[] = [];
    for (i++; i < lines.length && lines[i] !== match[2]; i++) value.push(lines[i]!);
    outputs[match[1]!] = value.join('\n');
  }
  return outputs;
}

export function demoFixture(): FixtureInput {
  const at = '2026-11-20T09:00:00Z';
  return {
    repository: {
      owner: 'acme',
      name: 'shop',
      files: PROJECT_FILES,
      protection: { requiredChecks: ['test'] },
      // As docs/merge-gate.md recommends: GitHub deletes merged branches, the gate need not.
      deleteBranchOnMerge: true,
    },
    users: [{ login: 'alice', permission: 'admin' }],
    tokens: { [DEMO_TOKEN]: BOT, ghp_alice: 'alice' },
    labels: [
      'ai-ready',
      'ai-in-progress',
      'ai-completed',
      'ai-failed',
      'ai-coordination',
      'ai-conflict',
      'priority:critical',
      'priority:high',
      'priority:medium',
      'priority:low',
    ],
    issues: ISSUES.map((issue) => ({
      number: issue.number,
      title: issue.title,
      body: issue.body,
      author: 'alice',
      createdAt: at,
      labels: ['ai-ready', ...issue.labels].map((name) => ({ name, by: 'alice', at })),
    })),
    workflows: [
      {
        name: 'CI',
        file: 'ci.yml',
        on: ['push', 'pull_request', 'workflow_dispatch'],
        checks: ['test'],
        run: COVERAGE_COMMAND,
        artifacts: [{ name: 'coverage', paths: ['coverage/lcov.info'] }],
      },
    ],
    timing: { mergeableUnknownReads: 0, asyncDelayMs: null },
  };
}

/** The demo's world and what it ran, for the report. */
class Demo {
  readonly started = Date.now();
  readonly events: DemoEvent[] = [];
  readonly summaries: { name: string; markdown: string }[] = [];
  private runs = 0;

  constructor(
    readonly twin: Twin,
    readonly work: string,
    readonly io: CliIo,
    readonly model: DemoModel,
  ) {}

  at(): number {
    return Date.now() - this.started;
  }

  /** Runs a bundle as a runner runs it: inputs as INPUT_*, files for outputs and the summary. */
  async bundle(
    name: 'dispatch' | 'worker' | 'merge-gate',
    inputs: Record<string, string>,
    extra: Record<string, string | undefined> = {},
    onLine: (line: string) => void = () => {},
  ): Promise<Run> {
    const id = ++this.runs;
    const dir = join(this.work, `run-${id}`);
    mkdirSync(dir);
    const files = { GITHUB_OUTPUT: join(dir, 'output'), GITHUB_STEP_SUMMARY: join(dir, 'summary') };
    for (const file of Object.values(files)) writeFileSync(file, '');
    const env: NodeJS.ProcessEnv = {
      PATH: process.env['PATH'],
      HOME: dir,
      ...this.twin.env(DEMO_TOKEN),
      GITHUB_RUN_ID: String(1000 + id),
      GITHUB_RUN_ATTEMPT: '1',
      GITHUB_EVENT_NAME: 'workflow_dispatch',
      AI_SCRUM_WRITE_INTERVAL_MS: '0',
      AI_SCRUM_MS_PER_SECOND: '1',
      ...files,
      ...extra,
    };
    for (const [key, value] of Object.entries(inputs)) env[`INPUT_${key.toUpperCase()}`] = value;
    const started = Date.now();
    const child = spawn(process.execPath, [join(ROOT, 'dist', name, 'index.js')], { env });
    let stdout = '';
    let pending = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      pending += chunk.toString();
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) onLine(line);
    });
    child.stderr.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const code = await new Promise<number>((resolve) => child.on('exit', (c) => resolve(c ?? -1)));
    const run = {
      code,
      stdout,
      outputs: parseOutputs(readFileSync(files.GITHUB_OUTPUT, 'utf8')),
      summary: readFileSync(files.GITHUB_STEP_SUMMARY, 'utf8'),
      ms: Date.now() - started,
    };
    this.summaries.push({ name: `${String(id).padStart(3, '0')}-${name}`, markdown: run.summary });
    return run;
  }

  /** A checkout as actions/checkout leaves it with `persist-credentials: false`. */
  async checkout(): Promise<string> {
    const dir = mkdtempSync(join(this.work, 'checkout-'));
    const auth = `AUTHORIZATION: basic ${Buffer.from(`x-access-token:${DEMO_TOKEN}`).toString('base64')}`;
    await exec(
      'git',
      ['-c', `http.extraheader=${auth}`, 'clone', '-q', `${this.twin.urls.git}/acme/shop.git`, dir],
      { env: { PATH: process.env['PATH'], GIT_TERMINAL_PROMPT: '0', HOME: this.work } },
    );
    return dir;
  }

  /** API requests (REST and GraphQL) by action, measured around each of its runs. */
  readonly byAction: Record<'dispatch' | 'worker' | 'merge-gate', number> = {
    dispatch: 0,
    worker: 0,
    'merge-gate': 0,
  };

  /** The same, by route: where each action's requests go. */
  readonly byRoute: Record<keyof Demo['byAction'], Record<string, number>> = {
    dispatch: {},
    worker: {},
    'merge-gate': {},
  };

  private apiRoutes(): Record<string, number> {
    return Object.fromEntries(
      Object.entries(this.twin.stats().byRoute).filter(
        ([route]) => !route.includes('.git/') && !route.includes('/v1/messages'),
      ),
    );
  }

  async measured<T>(action: keyof Demo['byAction'], run: () => Promise<T>): Promise<T> {
    const before = this.apiRoutes();
    try {
      return await run();
    } finally {
      for (const [route, count] of Object.entries(this.apiRoutes())) {
        const added = count - (before[route] ?? 0);
        if (added === 0) continue;
        this.byAction[action] += added;
        this.byRoute[action][route] = (this.byRoute[action][route] ?? 0) + added;
      }
    }
  }

  event(event: Omit<DemoEvent, 'at'>): void {
    this.events.push({ ...event, at: this.at() });
  }

  say(line: string): void {
    this.io.out(`${(this.at() / 1000).toFixed(1).padStart(5)}s  ${line}`);
  }

  /** What the run measured, from the twin's state and counters and the actions' outputs. */
  async report(): Promise<DemoReport> {
    const twin = this.twin;
    const main = (await twin.state.git.resolve('refs/heads/main'))!;
    const stats = twin.stats();
    const sum = (test: (route: string) => boolean) =>
      Object.entries(stats.byRoute)
        .filter(([route]) => test(route))
        .reduce((total, [, count]) => total + count, 0);
    const git = sum((route) => route.includes('.git/'));
    const model = sum((route) => route.includes('/v1/messages'));
    const pulls = [...twin.state.items.values()].flatMap((item) => {
      if (item.kind !== 'pull') return [];
      const found = /^ai-feature\/issue-(\d+)$/.exec(item.head);
      return found ? [{ number: item.number, issue: Number(found[1]), merged: item.merged }] : [];
    });
    const merges = this.events.filter((e) => e.kind === 'merged').sort((a, b) => a.at - b.at);
    const paths: IssuePath[] = ISSUES.map((issue) => {
      const item = twin.state.issue(issue.number);
      const events = this.events.filter((e) => e.issue === issue.number);
      const merged = merges.some((e) => e.issue === issue.number);
      const workers = events.filter((e) => e.kind === 'worker');
      const last = workers.at(-1)?.detail;
      const final: IssuePath['final'] = merged
        ? 'merged'
        : last === 'rejected'
          ? 'rejected'
          : last === 'decomposed'
            ? 'decomposed'
            : item.labels.includes('ai-failed')
              ? 'failed'
              : 'open';
      return {
        issue: issue.number,
        title: issue.title,
        planned: issue.path,
        final,
        pull: pulls.find((p) => p.issue === issue.number)?.number ?? null,
        costUsd: workers.reduce((total, e) => total + (e.costUsd ?? 0), 0),
        events,
      };
    });
    const mergedCount = paths.filter((p) => p.final === 'merged').length;
    const api = stats.requests - git - model;
    const tracking = [...twin.state.items.values()].find(
      (item) => item.kind === 'issue' && item.labels.includes('ai-coordination'),
    );
    return {
      scripted: !this.model.live,
      note: this.model.live
        ? 'The model is real (--live) and GitHub is the local twin: each issue’s planned path is what the scripted run shows; here the model decided. Costs are its usage at list prices.'
        : 'The model is scripted and GitHub is the local twin: figures show the toolkit at work, not a model’s ability; costs are the scripted token counts at list prices.',
      wallSeconds: (Date.now() - this.started) / 1000,
      issues: {
        merged: paths.filter((p) => p.final === 'merged').map((p) => p.issue),
        failed: paths.filter((p) => p.final === 'failed').map((p) => p.issue),
        rejected: paths.filter((p) => p.final === 'rejected').map((p) => p.issue),
        open: paths
          .filter((p) => p.final === 'open' || p.final === 'decomposed')
          .map((p) => p.issue),
      },
      pulls,
      mergeOrder: merges.map((e) => e.issue),
      http: {
        api,
        contentCreating: stats.contentCreating,
        graphqlPoints: stats.graphqlPoints,
        git,
        model,
        rateLimited: stats.rateLimited,
        byAction: { ...this.byAction },
        byRoute: structuredClone(this.byRoute),
        perMergedFeature:
          mergedCount === 0
            ? null
            : {
                api: api / mergedCount,
                contentCreating: stats.contentCreating / mergedCount,
                graphqlPoints: stats.graphqlPoints / mergedCount,
              },
      },
      tokens: this.tokens,
      costUsd: paths.reduce((total, p) => total + p.costUsd, 0),
      paths,
      invariants: {
        unaccounted: ISSUES.map((i) => i.number).filter(
          (n) => !paths.some((p) => p.issue === n && p.events.length > 0),
        ),
        twoLiveClaims: twoLiveClaims(twin, tracking?.number ?? null),
      },
      injection: {
        tokenInPrompts: twin
          .modelRequests()
          .some((request) => JSON.stringify(request).includes(DEMO_TOKEN)),
        protectedFileOnMain:
          (await twin.state.git.readFile(main, '.github/workflows/release.yml')) !== undefined,
      },
      dashboard: tracking?.body ?? '',
    };
  }

  readonly tokens = { input: 0, output: 0, cacheRead: 0 };
}

/**
 * Replays the ledger's claims in order: a claim taken while the same issue's previous claim was
 * neither released nor expired (nor past its lease) would be two live claims at once.
 */
function twoLiveClaims(
  twin: Twin,
  tracking: number | null,
): { issue: number; claims: [string, string] }[] {
  if (tracking === null) return [];
  const live = new Map<number, { claim: string; lease: number }>();
  const found: { issue: number; claims: [string, string] }[] = [];
  const comments = twin.state.comments
    .filter((c) => c.issue === tracking && c.author === BOT)
    .sort((a, b) => a.id - b.id);
  for (const comment of comments)
    for (const entry of decodeEntries(comment.body).entries as LedgerEntry[]) {
      if (entry.type === 'claim') {
        const held = live.get(entry.issue);
        if (held && held.lease > Date.parse(entry.at))
          found.push({ issue: entry.issue, claims: [held.claim, entry.claim] });
        live.set(entry.issue, { claim: entry.claim, lease: Date.parse(entry.lease) });
      } else if (entry.type === 'release' || entry.type === 'expire') {
        if (live.get(entry.issue)?.claim === entry.claim) live.delete(entry.issue);
      }
    }
  return found;
}

/**
 * The toolkit's open pull requests ready for review (a draft is work in progress, which the
 * gate is not asked about), with the issue each closes and what its head and base are now.
 */
/**
 * Nothing left that dispatch would take: no open issue ready and neither failed nor completed,
 * no open pull request labelled conflict. A scheduled dispatch would find the same; the demo
 * stops instead.
 */
function drained(twin: Twin): boolean {
  return ![...twin.state.items.values()].some(
    (item) =>
      item.state === 'open' &&
      (item.kind === 'pull'
        ? item.labels.includes('ai-conflict')
        : item.labels.includes('ai-ready') &&
          !item.labels.includes('ai-failed') &&
          !item.labels.includes('ai-completed')),
  );
}

async function readyPulls(twin: Twin): Promise<{ number: number; issue: number; state: string }[]> {
  const pulls = [];
  for (const item of twin.state.items.values()) {
    if (item.kind !== 'pull' || item.state !== 'open' || item.draft) continue;
    const found = /^ai-feature\/issue-(\d+)$/.exec(item.head);
    if (!found) continue;
    const head = await twin.state.git.resolve(`refs/heads/${item.head}`);
    const base = await twin.state.git.resolve(`refs/heads/${item.base}`);
    pulls.push({
      number: item.number,
      issue: Number(found[1]),
      state: `${head} ${base} ${item.labels.join(',')}`,
    });
  }
  return pulls;
}

export async function runDemo(options: DemoOptions, io: CliIo): Promise<number> {
  const model = demoModel(options.live ?? false, options.env ?? process.env);
  if ('problem' in model) {
    io.err(`ai-scrum demo: ${model.problem}`);
    return 2;
  }
  const work = mkdtempSync(join(tmpdir(), 'ai-scrum-demo-'));
  const scripts = join(work, 'model-scripts');
  mkdirSync(scripts);
  for (const script of modelScripts())
    writeFileSync(
      join(scripts, `${script.name}.json`),
      JSON.stringify({ match: script.match, turns: script.turns }),
    );
  const twin = await startTwin(demoFixture(), { modelScriptsDir: scripts });
  const demo = new Demo(twin, work, io, model);
  io.out(`AI Scrum Master demo: a local GitHub twin stands in for GitHub, and ${model.describe}.`);
  io.out(
    model.live
      ? `The model works on ${ISSUES.length} issues; the paths below are what the scripted run shows, and the model decides here. This spends real money.`
      : `The model's answers are fixed text (${ISSUES.length} issues, each with its path below); costs are its token counts at list prices.`,
  );
  io.out('');
  /** What each pull request looked like when the gate last judged it, and its verdict. */
  const judged = new Map<number, { state: string; verdict: string }>();
  try {
    for (let cycle = 1; cycle <= MAX_CYCLES; cycle++) {
      let progressed = false;
      const dispatch = await demo.measured('dispatch', () =>
        demo.bundle('dispatch', { ...DEMO_INPUTS.dispatch, ...model.dispatchInputs }),
      );
      const matrix = (
        JSON.parse(dispatch.outputs['matrix'] || '{"include":[]}') as {
          include: {
            issue: number;
            claim: string;
            epoch: number;
            kind: string;
            pull?: number;
            files: string[];
            writer: string;
          }[];
        }
      ).include;
      demo.say(
        `cycle ${cycle}: dispatch claimed ${matrix.length === 0 ? 'nothing' : matrix.map((m) => `#${m.issue}${m.kind === 'conflict' ? ' (conflict)' : ''}`).join(', ')}`,
      );
      for (const entry of matrix)
        demo.event({
          issue: entry.issue,
          kind: 'claimed',
          detail: `${entry.kind}, epoch ${entry.epoch}`,
          cycle,
        });
      if (dispatch.code !== 0)
        demo.say(
          `dispatch failed: ${dispatch.stdout
            .split('\n')
            .filter((l) => l.startsWith('::error'))
            .join(' ')}`,
        );

      const workers = await demo.measured('worker', () =>
        Promise.all(
          matrix.map(async (entry) => {
            const workspace = await demo.checkout();
            const started = demo.at();
            const run = await demo.bundle(
              'worker',
              {
                ...DEMO_INPUTS.worker,
                ...model.workerInputs,
                issue: String(entry.issue),
                claim: entry.claim,
                epoch: String(entry.epoch),
                branch: `ai-feature/issue-${entry.issue}`,
                files: JSON.stringify(entry.files),
                kind: entry.kind,
                pull: entry.pull ? String(entry.pull) : '',
                writer: entry.writer,
              },
              { ...model.env, GITHUB_WORKSPACE: workspace },
              (line) => {
                const phase = /^#\d+: (.*)$/.exec(line);
                if (phase) demo.say(`  worker #${entry.issue}: ${phase[1]}`);
              },
            );
            rmSync(workspace, { recursive: true, force: true });
            demo.tokens.input += Number(run.outputs['input-tokens'] ?? 0);
            demo.tokens.output += Number(run.outputs['output-tokens'] ?? 0);
            demo.tokens.cacheRead += Number(run.outputs['cache-read-tokens'] ?? 0);
            const failure = run.stdout.split('\n').find((line) => line.startsWith('::error::'));
            const outcome =
              run.code === 0 || !failure
                ? (run.outputs['outcome'] ?? `exit ${run.code}`)
                : `error: ${failure.slice('::error::'.length, 300)}`;
            demo.events.push({
              issue: entry.issue,
              kind: 'worker',
              detail: outcome,
              cycle,
              at: started,
              end: demo.at(),
              costUsd: Number(run.outputs['cost-usd'] ?? 0),
              pull: run.outputs['pr-number'] ? Number(run.outputs['pr-number']) : undefined,
            });
            demo.say(
              `  worker #${entry.issue}: ${outcome}, $${Number(run.outputs['cost-usd'] ?? 0).toFixed(4)}${run.outputs['pr-number'] ? `, PR #${run.outputs['pr-number']}` : ''}`,
            );
            return run;
          }),
        ),
      );
      if (workers.length > 0) progressed = true;
      // The repository's CI, started by the workers with workflow_dispatch, runs now.
      const ci = await twin.state.tick();
      if (ci.ran > 0)
        demo.say(`  CI: ${ci.ran} run${ci.ran === 1 ? '' : 's'} of the repository's workflow`);

      for (const pull of await readyPulls(twin)) {
        // Judged before and unchanged since: the gate would say the same.
        const before = judged.get(pull.number);
        if (before && before.state === pull.state && before.verdict !== 'wait') continue;
        const workspace = await demo.checkout();
        // The gate runs on the workflow_run event of the CI the worker started: what the gate
        // reads of it besides the pull request (given as input) is its sender, the worker.
        const event = join(workspace, '..', `event-${pull.number}-${demo.at()}.json`);
        writeFileSync(
          event,
          JSON.stringify({
            action: 'completed',
            workflow_run: { head_branch: `ai-feature/issue-${pull.issue}`, conclusion: 'success' },
            sender: { login: BOT },
          }),
        );
        const gate = await demo.measured('merge-gate', () =>
          demo.bundle(
            'merge-gate',
            { ...DEMO_INPUTS.gate, 'pull-request': String(pull.number) },
            {
              GITHUB_WORKSPACE: workspace,
              GITHUB_EVENT_NAME: 'workflow_run',
              GITHUB_EVENT_PATH: event,
            },
          ),
        );
        rmSync(workspace, { recursive: true, force: true });
        await twin.state.tick();
        const verdict = gate.outputs['verdict'] ?? `exit ${gate.code}`;
        const merged = twin.state.pull(pull.number).merged;
        demo.event({
          issue: pull.issue,
          kind: merged ? 'merged' : 'gate',
          detail: merged
            ? `PR #${pull.number} merged`
            : `${verdict}: ${(gate.outputs['reasons'] ?? '').split('\n')[0]}`,
          cycle,
          pull: pull.number,
        });
        demo.say(`  gate PR #${pull.number} (#${pull.issue}): ${merged ? 'merged' : verdict}`);
        judged.set(pull.number, { state: pull.state, verdict });
        progressed = true;
      }
      if (!progressed || drained(twin)) break;
    }
    const report = await demo.report();
    writeOutputs(demo, report, options);
    printTable(io, report);
    if (options.json) writeFileSync(options.json, JSON.stringify(report, null, 2));
    if (options.html) writeFileSync(options.html, renderHtml(report));
    return 0;
  } finally {
    await twin.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

/** The job summaries and the dashboard, as files. */
function writeOutputs(demo: Demo, report: DemoReport, options: DemoOptions): void {
  const dir = join(options.outDir, 'summaries');
  mkdirSync(dir, { recursive: true });
  for (const summary of demo.summaries)
    writeFileSync(join(dir, `${summary.name}.md`), summary.markdown);
  writeFileSync(join(options.outDir, 'dashboard.md'), report.dashboard);
}

function printTable(io: CliIo, report: DemoReport): void {
  io.out('');
  io.out('issue  end         PR     cost      what it shows');
  for (const path of report.paths)
    io.out(
      `#${String(path.issue).padEnd(5)} ${path.final.padEnd(11)} ${(path.pull ? `#${path.pull}` : '—').padEnd(6)} $${path.costUsd.toFixed(4).padEnd(8)} ${path.planned}`,
    );
  const per = report.http.perMergedFeature;
  io.out('');
  io.out(
    `${report.issues.merged.length} merged, ${report.issues.rejected.length} rejected, ${report.issues.failed.length} failed, ${report.issues.open.length} open in ${report.wallSeconds.toFixed(1)} s.`,
  );
  io.out(
    `GitHub API: ${report.http.api} requests, ${report.http.contentCreating} content-creating, ${report.http.graphqlPoints} GraphQL points` +
      (per
        ? ` (${per.api.toFixed(1)}, ${per.contentCreating.toFixed(1)} and ${per.graphqlPoints.toFixed(1)} per merged feature)`
        : '') +
      `; git ${report.http.git}, ${report.scripted ? `scripted model ${report.http.model}` : 'model (real, not counted here)'} requests apart.`,
  );
  if (report.http.rateLimited > 0)
    io.out(
      `GitHub's secondary limits refused ${report.http.rateLimited} request(s) (content created too fast, as GitHub does); the client waited as told and went on.`,
    );
  io.out(
    `API requests by action: dispatch ${report.http.byAction.dispatch}, workers ${report.http.byAction.worker}, merge gate ${report.http.byAction['merge-gate']}.`,
  );
  io.out(
    `Tokens: ${report.tokens.input} input, ${report.tokens.output} output, ${report.tokens.cacheRead} cache reads; cost $${report.costUsd.toFixed(4)} (${report.scripted ? 'scripted' : 'real'} model).`,
  );
  io.out(
    report.invariants.twoLiveClaims.length === 0 && report.invariants.unaccounted.length === 0
      ? 'Every issue is accounted for; no issue ever held two live claims.'
      : `INVARIANT BROKEN: ${JSON.stringify(report.invariants)}`,
  );
}
