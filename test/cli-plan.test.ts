import { afterEach, describe, expect, it } from '@jest/globals';
import { runCli } from '../src/cli/main.js';
import { runPlanCommand, terminalText, type PlanOutput } from '../src/cli/plan.js';
import { PLAN_OPTIONS, PLAN_USAGE } from '../src/cli/usage.js';
import { runDispatch } from '../src/dispatch/run.js';
import { gitHubDispatchPorts } from '../src/github/dispatch-ports.js';
import { startTwin, type FixtureInput, type Twin } from '../src/twin/index.js';
import { dispatchToken, twinDeps } from './support/dispatch.js';
import { client } from './support/twin.js';

let twin: Twin | undefined;
afterEach(async () => {
  await twin?.stop();
  twin = undefined;
});

const at = (day: number) => `2026-11-${String(day).padStart(2, '0')}T00:00:00Z`;
const label = (name: string, by = 'alice') => ({ name, by, at: at(10) });

/** A small backlog that takes each kind of path: picked, waiting on a lock, blocked, protected. */
function fixture(): FixtureInput {
  return {
    repository: {
      owner: 'acme',
      name: 'shop',
      files: {
        'README.md': '# shop\n',
        'src/cart.ts': 'export const cart = 1;\n',
        'src/tax.ts': 'export const tax = 1;\n',
        'docs/guide.md': '# guide\n',
        '.github/workflows/ci.yml': 'on: push\n',
      },
    },
    users: [
      { login: 'alice', permission: 'admin' },
      { login: 'mallory', permission: 'read' },
    ],
    tokens: { ghs_bot: dispatchToken(), ghp_alice: 'alice' },
    labels: [
      'ai-ready',
      'ai-in-progress',
      'ai-coordination',
      'priority:critical',
      'priority:high',
      'complexity:small',
    ],
    issues: [
      {
        number: 1,
        title: 'Cart rounding',
        body: 'Fix rounding in `src/cart.ts`.',
        author: 'alice',
        createdAt: at(1),
        labels: [label('ai-ready'), label('priority:high')],
      },
      {
        number: 2,
        title: 'Cart discount',
        body: 'Add a discount to `src/cart.ts`.',
        author: 'alice',
        createdAt: at(2),
        labels: [label('ai-ready'), label('priority:critical')],
      },
      {
        number: 3,
        title: 'Tax',
        body: 'Depends on #2. Change `src/tax.ts`.',
        author: 'alice',
        createdAt: at(3),
        labels: [label('ai-ready')],
      },
      {
        number: 4,
        title: 'Faster CI',
        body: 'Cache in `.github/workflows/ci.yml`.',
        author: 'alice',
        createdAt: at(4),
        labels: [label('ai-ready')],
      },
      {
        number: 5,
        title: 'Guide \u001b[31mred\u001b[0m',
        body: 'Reword `docs/guide.md`.',
        author: 'alice',
        createdAt: at(5),
        labels: [label('ai-ready'), label('complexity:small')],
      },
      {
        number: 6,
        title: 'Rewrite everything',
        body: 'Change `src/tax.ts` and `README.md`.',
        author: 'mallory',
        createdAt: at(6),
        labels: [label('ai-ready', 'mallory')],
      },
    ],
  };
}

/** The environment of a terminal pointed at the twin; the client's spacing is shortened. */
const env = (twin: Twin, token: string) => ({
  ...twin.env(token),
  AI_SCRUM_WRITE_INTERVAL_MS: '0',
});

async function plan(args: string[], env: Record<string, string | undefined>) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runPlanCommand(
    args,
    { out: (line) => out.push(line), err: (line) => err.push(line) },
    env,
  );
  return { code, out: out.join('\n'), err: err.join('\n') };
}

/** What a plan could change: issues and pull requests, their labels, comments, refs. */
async function written(twin: Twin) {
  const { items, comments, labels, refs } = await twin.state.snapshot();
  return JSON.stringify({ items, comments, labels, refs });
}

describe('ai-scrum plan', () => {
  it('prints what dispatch would pick and why not the rest, and writes nothing', async () => {
    twin = await startTwin(fixture());
    const before = await written(twin);
    const result = await plan([], env(twin, 'ghs_bot'));
    expect(result.err).toBe('');
    expect(result.code).toBe(0);
    const lines = result.out.split('\n');
    expect(lines[0]).toBe('ai-scrum plan for acme/shop (dry run: nothing was written)');
    expect(result.out).toContain('2 of 6 candidates would be dispatched');
    expect(result.out).toContain('ledger: no tracking issue yet');

    const picked = lines.slice(lines.indexOf('Would dispatch (2)') + 1);
    expect(picked[0]).toMatch(/^ISSUE +TITLE +PRIORITY +COMPLEXITY +ESTIMATE +FOOTPRINT$/);
    // Priority first: #2 is critical; #5 is small; the terminal escape in its title is gone.
    expect(picked[1]).toMatch(
      /^#2 +Cart discount +priority:critical +- +\$\d+\.\d\d \(no history\) +src\/cart\.ts \(explicit\)$/,
    );
    expect(picked[2]).toMatch(
      /^#5 +Guide \[31mred \[0m +- +complexity:small +\$\d+\.\d\d .* docs\/guide\.md \(explicit\)$/,
    );
    expect(result.out).not.toContain('\u001b');

    const skipped = lines.slice(lines.indexOf('Would not dispatch (4)') + 1);
    expect(skipped[0]).toMatch(/^ISSUE +TITLE +PRIORITY +REASON$/);
    const rows = [
      /^#1 +Cart rounding +priority:high +conflicts with #2 on `src\/cart\.ts`$/,
      /^#3 +Tax +- +blocked by #2$/,
      /^#4 +Faster CI +- +touches the protected path `\.github\/workflows\/ci\.yml`: a human must do it$/,
      /^#6 +Rewrite everything +- +not authorised: ai-ready applied by mallory \(read access\)$/,
    ];
    expect(skipped.slice(1)).toHaveLength(rows.length);
    rows.forEach((row, index) => expect(skipped[index + 1]).toMatch(row));

    // Nothing was written: no claim, comment, label, issue or branch.
    expect(await written(twin)).toBe(before);
    expect(twin.stats().contentCreating).toBe(0);
  });

  it('prints the same plan as JSON with --json', async () => {
    twin = await startTwin(fixture());
    const result = await plan(['--json', '--max-workers', '1'], env(twin, 'ghs_bot'));
    expect(result).toMatchObject({ code: 0, err: '' });
    const output = JSON.parse(result.out) as PlanOutput;
    expect(output).toMatchObject({
      repository: 'acme/shop',
      dryRun: true,
      maxWorkers: 1,
      capacity: 1,
      activeClaims: 0,
      trackingIssue: null,
    });
    expect(output.dispatch).toEqual([
      expect.objectContaining({
        issue: 2,
        kind: 'issue',
        title: 'Cart discount',
        priority: 'priority:critical',
        complexity: null,
        footprint: ['src/cart.ts'],
        footprintSource: 'explicit',
      }),
    ]);
    const byIssue = new Map(output.skipped.map((s) => [s.issue, s]));
    expect(byIssue.get(5)).toMatchObject({
      reason: 'no capacity',
      waiting: true,
      why: { kind: 'no-capacity' },
    });
    // JSON escapes what the table strips.
    expect(byIssue.get(5)!.title).toBe('Guide \u001b[31mred\u001b[0m');
    expect(byIssue.get(3)).toMatchObject({ reason: 'blocked by #2', waiting: false });
    expect(twin.stats().contentCreating).toBe(0);
  });

  it('reads the claims dispatch wrote on a runner, with a person’s token', async () => {
    twin = await startTwin(fixture());
    // The real dispatch, as github-actions[bot], claims #2 and #5.
    const { deps, outputs } = twinDeps(twin, { 'github-token': 'ghs_bot', 'max-workers': '2' });
    await runDispatch(deps, gitHubDispatchPorts);
    expect(outputs['count']).toBe('2');
    const before = await written(twin);
    twin.resetStats();

    const result = await plan(['--repo', 'acme/shop'], {
      ...env(twin, 'ghp_alice'),
      GITHUB_REPOSITORY: undefined,
    });
    expect(result).toMatchObject({ code: 0, err: '' });
    expect(result.out).toContain('0 of 6 candidates would be dispatched · 2 in progress');
    expect(result.out).toContain('ledger: tracking issue #7');
    expect(result.out).toContain('Nothing would be dispatched.');
    expect(result.out).toMatch(
      /^#2 +Cart discount +priority:critical +in progress \(claim `r900a1-/m,
    );
    expect(await written(twin)).toBe(before);
    expect(twin.stats().contentCreating).toBe(0);

    // Without github-actions[bot] among the writers, its claims do not count.
    const alone = await plan(['--json', '--ledger-writers', 'alice'], {
      ...env(twin, 'ghp_alice'),
    });
    expect((JSON.parse(alone.out) as PlanOutput).dispatch.map((p) => p.issue)).toEqual([2, 5]);
  });

  it('shows a ledger changed by hand, writes no alert, and exits 1', async () => {
    twin = await startTwin(fixture());
    const { deps } = twinDeps(twin, { 'github-token': 'ghs_bot', 'max-workers': '1' });
    await runDispatch(deps, gitHubDispatchPorts);
    const claim = twin.state.comments.find((c) => c.author === 'github-actions[bot]')!;
    const edited = await client(twin, 'ghp_alice').request(
      'PATCH',
      `/repos/acme/shop/issues/comments/${claim.id}`,
      { body: claim.body.replace('"epoch":1', '"epoch":2') },
    );
    expect(edited.status).toBe(200);
    const before = await written(twin);
    twin.resetStats();

    const result = await plan([], env(twin, 'ghp_alice'));
    expect(result.code).toBe(1);
    expect(result.out).toContain('The ledger was changed by hand: dispatch would claim nothing.');
    expect(result.out).toMatch(/^ {2}ledger comment \d+ on #7 was edited by alice/m);
    expect(result.err).toBe(
      'ai-scrum plan: the ledger was changed by hand, so dispatch would claim nothing and fail; a maintainer recovers it (docs/ledger.md).',
    );
    expect(await written(twin)).toBe(before);
    expect(twin.stats().contentCreating).toBe(0);
  });

  it('says which variable is missing, and exits 2', async () => {
    expect(await plan([], { GITHUB_REPOSITORY: 'acme/shop' })).toEqual({
      code: 2,
      out: '',
      err: "ai-scrum plan: GITHUB_TOKEN is not set; set it to a token that can read the repository, for example GITHUB_TOKEN=$(gh auth token). Run 'ai-scrum help plan' for its usage.",
    });
    expect(await plan([], { GITHUB_TOKEN: 't' })).toEqual({
      code: 2,
      out: '',
      err: "ai-scrum plan: GITHUB_REPOSITORY is not set; set it to OWNER/REPO or pass --repo OWNER/REPO. Run 'ai-scrum help plan' for its usage.",
    });
    expect(
      await plan([], { GITHUB_TOKEN: 't', GITHUB_REPOSITORY: 'acme/shop', GITHUB_API_URL: 'x' }),
    ).toMatchObject({ code: 2, err: expect.stringContaining('GITHUB_API_URL is "x", not a URL') });
  });

  it.each([
    [['--bogus'], "unknown option '--bogus'"],
    [['--repo'], "option '--repo' needs a value"],
    [['--repo', 'shop'], '--repo must be OWNER/REPO, not "shop"'],
    [['--max-workers', '0'], 'invalid --max-workers: "0". Expected a whole number from 1 to 256'],
    [['main'], "unexpected argument 'main'"],
  ])('answers %p with one line and exit code 2', async (args, problem) => {
    expect(await plan(args, { GITHUB_TOKEN: 't', GITHUB_REPOSITORY: 'acme/shop' })).toEqual({
      code: 2,
      out: '',
      err: `ai-scrum plan: ${problem}. Run 'ai-scrum help plan' for its usage.`,
    });
  });

  it('fails in one line, exit code 1, when GitHub refuses the token or cannot be reached', async () => {
    twin = await startTwin(fixture());
    const refused = await plan([], env(twin, 'ghp_unknown'));
    expect(refused.code).toBe(1);
    expect(refused.out).toBe('');
    expect(refused.err).toMatch(
      /^ai-scrum plan: GitHub did not accept the token \(401 Bad credentials\) .*: GITHUB_TOKEN is not a valid token there /,
    );
    expect(refused.err).not.toContain('\n');

    const { api, graphql } = twin.urls;
    await twin.stop();
    twin = undefined;
    const unreachable = await plan([], {
      GITHUB_TOKEN: 'ghs_bot',
      GITHUB_REPOSITORY: 'acme/shop',
      GITHUB_API_URL: api,
      GITHUB_GRAPHQL_URL: graphql,
    });
    expect(unreachable.code).toBe(1);
    expect(unreachable.err).toMatch(/^ai-scrum plan: Cannot reach GitHub at GITHUB_GRAPHQL_URL /);
    expect(unreachable.err).not.toContain('\n');
  });

  it('is a command of ai-scrum, with a usage that names every option', async () => {
    const out: string[] = [];
    const io = { out: (line: string) => out.push(line), err: () => {} };
    expect(await runCli(['help', 'plan'], io)).toBe(0);
    expect(await runCli(['plan', '--help'], io)).toBe(0);
    expect(out).toEqual([PLAN_USAGE, PLAN_USAGE]);
    const options = PLAN_USAGE.split('\nOptions:\n')[1]!.split('\n\n')[0]!;
    const listed = [...options.matchAll(/^ {2}(-h, )?--([a-z-]+)/gm)].map((match) => match[2]);
    expect(listed).toEqual([...PLAN_OPTIONS, 'json', 'help']);
  });

  it('keeps control and bidirectional characters out of the terminal', () => {
    expect(terminalText('a\u001b[2J\u202eb\r\nc', 10)).toBe('a [2J b c');
    expect(terminalText('x'.repeat(50), 10)).toBe(`${'x'.repeat(9)}…`);
  });
});
