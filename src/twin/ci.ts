import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Background } from './background.js';
import { ACTIONS_APP, BOT_LOGIN, type Fixture } from './fixture.js';
import type { BareRepository } from './git.js';

/**
 * The twin's CI: declared workflows really run their command in a checkout of the commit and
 * report check runs as the GitHub Actions app. Which events start a run follows GitHub: events
 * caused by a `GITHUB_TOKEN` start none, except `workflow_dispatch` and `repository_dispatch`
 * (docs.github.com/actions/security-for-github-actions/security-guides/automatic-token-authentication#using-the-github_token-in-a-workflow).
 */

export type Workflow = Fixture['workflows'][number];
export type WorkflowEvent = Workflow['on'][number];

/** The only events a `GITHUB_TOKEN` may start workflow runs with. */
export const GITHUB_TOKEN_EVENTS: readonly WorkflowEvent[] = [
  'workflow_dispatch',
  'repository_dispatch',
];

export interface Artifact {
  id: number;
  name: string;
  runId: number;
  headSha: string;
  headBranch: string;
  createdAt: string;
  sizeInBytes: number;
  files: Record<string, string>;
}

export interface CiRun {
  id: number;
  workflowId: number;
  name: string;
  path: string;
  event: WorkflowEvent;
  /** The commit whose checks the run reports (a pull request's head). */
  headSha: string;
  /** The commit the command ran on (for a pull request, GitHub's test merge commit). */
  checkoutSha: string;
  headBranch: string;
  actor: string;
  status: 'queued' | 'in_progress' | 'completed';
  /** `cancelled` when the twin stopped while the run was waiting or running. */
  conclusion: 'success' | 'failure' | 'timed_out' | 'cancelled' | null;
  createdAt: string;
  updatedAt: string;
  /** The last 64 KiB of the command's output. */
  log: string;
  checkRunIds: number[];
}

/** What the CI model needs of the rest of the twin. */
export interface CiHost {
  readonly git: BareRepository;
  readonly owner: string;
  readonly name: string;
  allocateId(): number;
  /** Records a check run reported by the GitHub Actions app; answers its id. */
  reportCheck(spec: { name: string; headSha: string; status: string; externalId: string }): number;
  finishCheck(id: number, conclusion: string): void;
  /** Called after checks changed, so auto-merge and the merge queue can act. */
  checksChanged(): void;
}

/** A cause of runs: what happened, on which commit, by whom. */
export interface Trigger {
  event: WorkflowEvent;
  actor: string;
  headSha: string;
  checkoutSha?: string;
  branch: string;
  /** For `workflow_dispatch`: the workflow named (id or file); otherwise every match. */
  workflow?: string;
}

const LOG_LIMIT = 64 * 1024;
const PARALLEL_RUNS = 2;
const timestamp = () => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');

/** Whether an identity is a repository's `GITHUB_TOKEN` (the Actions app's bot). */
export const isGithubToken = (login: string): boolean => login === BOT_LOGIN;

export class CiModel {
  readonly runs: CiRun[] = [];
  readonly artifacts: Artifact[] = [];
  /** Events that started nothing because a `GITHUB_TOKEN` caused them, for tests and docs. */
  readonly suppressed: { event: WorkflowEvent; actor: string; headSha: string }[] = [];
  private readonly held: { go: () => void; run: CiRun }[] = [];
  private readonly queue: { job: () => Promise<void>; cancel: () => void }[] = [];
  private active = 0;
  /** Every process the CI model started (clones and commands), killed when the twin stops. */
  private readonly children = new Set<ReturnType<typeof spawn>>();
  /** Set when the twin stops: nothing is started from then on. */
  private closed = false;

  constructor(
    readonly workflows: Workflow[],
    private readonly host: CiHost,
    private readonly background: Background,
  ) {}

  /** The workflow a `workflow_dispatch` names, by id, file name or path. */
  workflow(reference: string): { workflow: Workflow; id: number } | undefined {
    const index = this.workflows.findIndex(
      (flow, i) =>
        String(i + 1) === reference ||
        this.fileOf(flow) === reference ||
        `.github/workflows/${this.fileOf(flow)}` === reference,
    );
    return index < 0 ? undefined : { workflow: this.workflows[index]!, id: index + 1 };
  }

  fileOf(flow: Workflow): string {
    return flow.file ?? `${flow.name.toLowerCase().replace(/[^a-z0-9]+/g, '-')}.yml`;
  }

  /** Starts the runs an event causes; answers them (none for a `GITHUB_TOKEN`'s push or PR). */
  trigger(trigger: Trigger): CiRun[] {
    const matching = this.workflows
      .map((workflow, i) => ({ workflow, id: i + 1 }))
      .filter(({ workflow }) => workflow.on.includes(trigger.event))
      .filter(
        ({ workflow }) =>
          trigger.event !== 'push' ||
          workflow.branches === undefined ||
          workflow.branches.includes(trigger.branch),
      )
      .filter(
        (match) =>
          trigger.workflow === undefined || this.workflow(trigger.workflow)?.id === match.id,
      );
    if (matching.length === 0) return [];
    if (isGithubToken(trigger.actor) && !GITHUB_TOKEN_EVENTS.includes(trigger.event)) {
      this.suppressed.push({
        event: trigger.event,
        actor: trigger.actor,
        headSha: trigger.headSha,
      });
      return [];
    }
    return matching.map(({ workflow, id }) => this.start(workflow, id, trigger));
  }

  private start(workflow: Workflow, workflowId: number, trigger: Trigger): CiRun {
    const now = timestamp();
    const run: CiRun = {
      id: this.host.allocateId(),
      workflowId,
      name: workflow.name,
      path: `.github/workflows/${this.fileOf(workflow)}`,
      event: trigger.event,
      headSha: trigger.headSha,
      checkoutSha: trigger.checkoutSha ?? trigger.headSha,
      headBranch: trigger.branch,
      actor: trigger.actor,
      status: 'queued',
      conclusion: null,
      createdAt: now,
      updatedAt: now,
      log: '',
      checkRunIds: [],
    };
    run.checkRunIds = workflow.checks.map((name) =>
      this.host.reportCheck({
        name,
        headSha: run.headSha,
        status: 'queued',
        externalId: String(run.id),
      }),
    );
    this.runs.push(run);
    const go = () =>
      this.enqueue(
        () => this.execute(workflow, run),
        () => this.conclude(run, 'cancelled'),
      );
    if (this.closed) this.conclude(run, 'cancelled');
    else if (workflow.hold) this.held.push({ go, run });
    else this.background.later(async () => go());
    return run;
  }

  /** Lets held runs start (a tick). */
  release(): number {
    const held = this.held.splice(0);
    for (const { go } of held) this.background.start(async () => go());
    return held.length;
  }

  /** Runs `job` when a runner is free; `cancel` instead when the twin stops before that. */
  private enqueue(job: () => Promise<void>, cancel: () => void): Promise<void> {
    if (this.closed) {
      cancel();
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      this.queue.push({
        job: async () => {
          try {
            await job();
          } finally {
            resolve();
          }
        },
        cancel: () => {
          cancel();
          resolve();
        },
      });
      this.pump();
    });
  }

  private pump(): void {
    while (this.active < PARALLEL_RUNS && this.queue.length > 0) {
      const { job } = this.queue.shift()!;
      this.active++;
      void job().finally(() => {
        this.active--;
        this.pump();
      });
    }
  }

  private async execute(workflow: Workflow, run: CiRun): Promise<void> {
    if (this.closed) return this.conclude(run, 'cancelled');
    run.status = 'in_progress';
    run.updatedAt = timestamp();
    const dir = mkdtempSync(join(tmpdir(), 'ai-scrum-twin-ci-'));
    let conclusion: NonNullable<CiRun['conclusion']>;
    try {
      await this.checkout(run.checkoutSha, dir);
      // The twin may have stopped while the clone ran: start nothing more.
      if (this.closed) conclusion = 'cancelled';
      else {
        conclusion = await this.command(workflow, run, dir);
        if (conclusion !== 'cancelled')
          for (const artifact of workflow.artifacts) this.keep(artifact, run, dir);
      }
    } catch (error) {
      run.log += `\n${(error as Error).message}`;
      conclusion = this.closed ? 'cancelled' : 'failure';
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    this.conclude(run, conclusion);
  }

  /** Completes a run and its check runs with `conclusion`, and lets the rest of the twin look. */
  private conclude(run: CiRun, conclusion: NonNullable<CiRun['conclusion']>): void {
    if (run.status === 'completed') return;
    run.conclusion = conclusion;
    run.status = 'completed';
    run.updatedAt = timestamp();
    for (const id of run.checkRunIds) this.host.finishCheck(id, conclusion);
    this.host.checksChanged();
  }

  private async checkout(sha: string, dir: string): Promise<void> {
    const clone = await this.git(['clone', '--quiet', '--no-checkout', this.host.git.path, dir]);
    if (clone.code !== 0) throw new Error(`checkout failed: ${clone.stderr.trim()}`);
    if (this.closed) return;
    const checkout = await this.git(['-C', dir, 'checkout', '--quiet', '--detach', sha]);
    if (checkout.code !== 0)
      throw new Error(`checkout of ${sha} failed: ${checkout.stderr.trim()}`);
  }

  /** Runs git as a tracked child, so stopping the twin kills a clone in progress too. */
  private git(args: string[]): Promise<{ code: number; stderr: string }> {
    if (this.closed) return Promise.resolve({ code: 1, stderr: 'the twin stopped' });
    return new Promise((resolve) => {
      const child = spawn('git', args, {
        env: { ...process.env, GIT_TERMINAL_PROMPT: '0' },
        stdio: ['ignore', 'ignore', 'pipe'],
        detached: true,
      });
      this.children.add(child);
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child.on('error', (error) => (stderr += error.message));
      child.on('close', (code) => {
        this.children.delete(child);
        resolve({ code: code ?? 1, stderr });
      });
    });
  }

  /** Runs the workflow's command as a runner would: no twin tokens, CI variables set. */
  private command(
    workflow: Workflow,
    run: CiRun,
    dir: string,
  ): Promise<'success' | 'failure' | 'timed_out' | 'cancelled'> {
    const env: NodeJS.ProcessEnv = {
      PATH: process.env['PATH'],
      HOME: dir,
      CI: 'true',
      GITHUB_ACTIONS: 'true',
      GITHUB_EVENT_NAME: run.event,
      GITHUB_SHA: run.checkoutSha,
      GITHUB_REF: `refs/heads/${run.headBranch}`,
      GITHUB_REPOSITORY: `${this.host.owner}/${this.host.name}`,
      GITHUB_RUN_ID: String(run.id),
      GITHUB_WORKFLOW: workflow.name,
    };
    if (this.closed) return Promise.resolve('cancelled');
    return new Promise((resolve) => {
      const child = spawn('sh', ['-c', workflow.run], { cwd: dir, env, detached: true });
      this.children.add(child);
      const append = (chunk: Buffer) => {
        run.log = (run.log + chunk.toString()).slice(-LOG_LIMIT);
      };
      child.stdout.on('data', append);
      child.stderr.on('data', append);
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        killGroup(child);
      }, workflow.timeoutMs);
      child.on('error', (error) => {
        append(Buffer.from(error.message));
      });
      child.on('close', (code) => {
        clearTimeout(timer);
        this.children.delete(child);
        resolve(
          this.closed ? 'cancelled' : timedOut ? 'timed_out' : code === 0 ? 'success' : 'failure',
        );
      });
    });
  }

  /** Keeps an artifact's files as upload-artifact would; none found, no artifact. */
  private keep(spec: Workflow['artifacts'][number], run: CiRun, dir: string): void {
    const files: Record<string, string> = {};
    let size = 0;
    for (const path of spec.paths) {
      const file = join(dir, path);
      try {
        if (!statSync(file).isFile()) continue;
      } catch {
        continue;
      }
      const text = readFileSync(file, 'utf8');
      files[path] = text;
      size += Buffer.byteLength(text);
    }
    if (Object.keys(files).length === 0) {
      run.log += `\nWarning: No files were found with the provided path: ${spec.paths.join(', ')}. No artifacts will be uploaded.`;
      return;
    }
    this.artifacts.push({
      id: this.host.allocateId(),
      name: spec.name,
      runId: run.id,
      headSha: run.headSha,
      headBranch: run.headBranch,
      createdAt: timestamp(),
      sizeInBytes: size,
      files,
    });
  }

  /**
   * The twin is stopping: nothing starts from now on, runs waiting for a runner are cancelled
   * and every process the CI model started (clones included) is killed; the runs they served
   * conclude `cancelled`.
   */
  close(): void {
    this.closed = true;
    this.held.length = 0;
    for (const { cancel } of this.queue.splice(0)) cancel();
    // Runs still waiting (held, or for the delay before they start) never will.
    for (const run of this.runs) if (run.status === 'queued') this.conclude(run, 'cancelled');
    for (const child of this.children) killGroup(child);
  }
}

export const ACTIONS_APP_ID = ACTIONS_APP.id;

function killGroup(child: ReturnType<typeof spawn>): void {
  try {
    if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
  } catch {
    child.kill('SIGKILL');
  }
}
