import { afterEach, describe, expect, it } from '@jest/globals';
import { createGitHubClient, type GitHubClient } from '../../src/github/client.js';
import { GitHubLedgerAdapter } from '../../src/github/ledger-adapter.js';
import { runDispatch } from '../../src/dispatch/run.js';
import { gitHubDispatchPorts } from '../../src/github/dispatch-ports.js';
import { readLink } from '../../src/ledger/chain.js';
import { encodeEntries } from '../../src/ledger/codec.js';
import { effectiveClaims } from '../../src/ledger/fold.js';
import { appendComments } from '../../src/ledger/ledger.js';
import { seededRandom, startTwin, type FixtureInput, type Twin } from '../../src/twin/index.js';
import { twinDeps } from '../support/dispatch.js';
import {
  counters,
  expectNoDecrease,
  expectOneLiveClaimPerIssue,
  handedOut,
  readLedger,
  type HandedOut,
} from '../support/invariants.js';
import { client } from '../support/twin.js';
import { startWorkers } from '../support/worker.js';

/**
 * Random interleavings of dispatches (some racing, some re-runs with the same run id, some killed
 * between writes, some whose answers GitHub loses), workers releasing, a writer editing or
 * deleting ledger comments, a triager closing or unlabelling the tracking issue, a maintainer
 * recovering, and time passing. After every step the ledger's invariants must hold.
 */

const LEASE_MINUTES = 30;
const files = ['a', 'b', 'c', 'd', 'e'];

function fixture(): FixtureInput {
  return {
    repository: {
      owner: 'acme',
      name: 'shop',
      files: Object.fromEntries(files.map((f) => [`src/${f}.ts`, `${f}\n`])),
    },
    users: [
      { login: 'alice', permission: 'admin' },
      { login: 'bob', permission: 'write' },
      { login: 'trudy', permission: 'triage' },
    ],
    tokens: {
      ghs_bot: 'github-actions[bot]',
      ghp_alice: 'alice',
      ghp_bob: 'bob',
      ghp_trudy: 'trudy',
    },
    labels: ['ai-ready', 'ai-in-progress', 'ai-coordination', 'ai-conflict'],
    // Seven issues over five files: some must wait for others' locks.
    issues: Array.from({ length: 7 }, (_, i) => ({
      number: i + 1,
      title: `Issue ${i + 1}`,
      body: `Change \`src/${files[i % files.length]}.ts\`.`,
      author: 'alice',
      createdAt: '2026-11-01T00:00:00Z',
      labels: [{ name: 'ai-ready', by: 'alice', at: '2026-11-02T00:00:00Z' }],
    })),
  };
}

/** A client that dies (as a killed runner does) after a number of writes. */
function dying(inner: GitHubClient, writes: number): GitHubClient {
  let left = writes;
  const killed = () => {
    throw new Error('runner killed');
  };
  inner.rest.hook.before('request', (options) => {
    if (options.method !== 'GET' && !String(options.url).endsWith('/graphql') && left-- <= 0)
      killed();
  });
  return inner;
}

class World {
  handed: HandedOut[] = [];
  clock = Date.now();
  tampered = false;
  readonly log: string[] = [];
  private seen: ReturnType<typeof counters> | null = null;
  constructor(
    readonly twin: Twin,
    readonly random: () => number,
  ) {}

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.random() * items.length)]!;
  }

  async dispatch(options: { runId?: number; killAfter?: number; recover?: boolean } = {}) {
    const runId = options.runId ?? 1000 + Math.floor(this.random() * 4);
    const { deps, outputs, summaries } = twinDeps(
      this.twin,
      {
        'github-token': 'ghs_bot',
        'max-workers': String(1 + Math.floor(this.random() * 4)),
        'lease-minutes': String(LEASE_MINUTES),
        ...(options.recover ? { 'recover-ledger': 'true' } : {}),
      },
      {
        GITHUB_RUN_ID: String(runId),
        GITHUB_EVENT_NAME: options.recover ? 'workflow_dispatch' : 'schedule',
        GITHUB_ACTOR: 'alice',
      },
    );
    const at = this.clock;
    deps.now = () => new Date(at);
    if (options.killAfter !== undefined) {
      const make = deps.github;
      deps.github = (token) => dying(make(token), options.killAfter!);
    }
    const error = await runDispatch(deps, gitHubDispatchPorts).then(
      () => null,
      (e: unknown) => e,
    );
    const matrix = outputs['matrix']
      ? (
          JSON.parse(outputs['matrix']) as {
            include: { issue: number; claim: string; epoch: number }[];
          }
        ).include
      : [];
    this.handed.push(...handedOut(this.twin, matrix, at));
    return { error, matrix, summary: summaries.join('\n') };
  }

  async startWorkers(matrix: readonly { issue: number; claim: string; epoch: number }[]) {
    await startWorkers(this.twin, matrix);
  }

  /** A worker releases one effective claim with its cost, through the shared ledger module. */
  async release() {
    const ledger = await readLedger(this.twin);
    if (ledger.tampering.length > 0 || !ledger.head) return;
    const live = effectiveClaims(ledger.state, new Date(this.clock));
    if (live.length === 0) return;
    const claim = this.pick(live);
    const port = new GitHubLedgerAdapter(
      createGitHubClient({
        token: 'ghs_bot',
        apiUrl: this.twin.urls.api,
        graphqlUrl: this.twin.urls.graphql,
        writeIntervalMs: 0,
      }),
      { owner: 'acme', repo: 'shop' },
    );
    const release = {
      type: 'release' as const,
      issue: claim.issue,
      claim: claim.claim,
      outcome: this.pick(['pr-opened', 'failed'] as const),
      costUsd: Math.round(this.random() * 300) / 100,
      at: new Date(this.clock).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    };
    await appendComments(
      port,
      ledger,
      { label: 'ai-coordination', writers: [], title: 'AI Scrum Master — coordination' },
      [encodeEntries([release])],
      '',
    );
  }

  /**
   * A writer edits one of the toolkit's ledger comments, or deletes one of its claim comments.
   * Money recorded only in a deleted release or snapshot, or in an edited one that no later
   * comment vouches for (the last of its chain), cannot be recovered (docs/ledger.md); those are
   * left alone. Any other edited comment is recovered from GitHub's edit history.
   */
  async tamper(kind: 'edit' | 'delete') {
    const chained = this.twin.state.comments.filter(
      (c) => c.author === 'github-actions[bot]' && readLink(c.body),
    );
    const last = new Set(
      [...new Set(chained.map((c) => c.issue))].map(
        (issue) => chained.filter((c) => c.issue === issue).at(-1)!.id,
      ),
    );
    const carriesMoney = (body: string) => /"type":"(release|snapshot)"/.test(body);
    const targets = chained.filter((c) =>
      kind === 'edit'
        ? !(last.has(c.id) && carriesMoney(c.body))
        : c.body.includes('"type":"claim"') && !carriesMoney(c.body),
    );
    if (targets.length === 0) return;
    const target = this.pick(targets);
    const api = client(this.twin, 'ghp_bob');
    const answer =
      kind === 'edit'
        ? await api.request('PATCH', `/repos/acme/shop/issues/comments/${target.id}`, {
            body: target.body
              .replace(/"files":\[[^\]]*\]/g, '"files":[]')
              .replace(/"costUsd":[\d.]+/g, '"costUsd":0'),
          })
        : await api.request('DELETE', `/repos/acme/shop/issues/comments/${target.id}`);
    expect([200, 204]).toContain(answer.status);
    this.tampered = true;
  }

  async triage() {
    const tracking = [...this.twin.state.items.values()].filter(
      (i) => i.title === 'AI Scrum Master — coordination' && i.state === 'open',
    );
    if (tracking.length === 0) return;
    const issue = this.pick(tracking).number;
    const api = client(this.twin, 'ghp_trudy');
    if (this.random() < 0.5)
      await api.request('PATCH', `/repos/acme/shop/issues/${issue}`, { state: 'closed' });
    else await api.request('DELETE', `/repos/acme/shop/issues/${issue}/labels/ai-coordination`);
  }

  async faults(on: boolean) {
    await fetch(`${this.twin.urls.api}/_twin/faults`, {
      method: 'POST',
      body: JSON.stringify({
        seed: Math.floor(this.random() * 1e6),
        rules: on
          ? [
              {
                route: 'POST /repos/{owner}/{repo}/issues',
                probability: 0.5,
                kind: 'applied-status',
                status: 502,
              },
              {
                route: 'POST /repos/{owner}/{repo}/issues/{issue_number}/comments',
                probability: 0.3,
                kind: 'applied-drop',
              },
              {
                route: 'POST /repos/{owner}/{repo}/issues/{issue_number}/comments',
                probability: 0.3,
                kind: 'applied-status',
                status: 500,
              },
            ]
          : [],
      }),
    });
  }

  /** The invariants, after every step. */
  async check(step: {
    matrix?: { issue: number }[];
    summary?: string;
    tamperedBefore?: boolean;
    error?: unknown;
  }) {
    expectOneLiveClaimPerIssue(this.twin, this.handed);
    if (step.tamperedBefore && step.matrix) expect(step.matrix).toEqual([]);
    const ledger = await readLedger(this.twin);
    if (ledger.tampering.length > 0) return;
    const now = counters(ledger);
    if (this.seen) expectNoDecrease(this.seen, now);
    this.seen = now;
    // Nothing lost: every open ai-ready issue was picked or given a reason.
    if (
      step.summary !== undefined &&
      step.error === null &&
      !step.summary.includes('changed by hand') &&
      !step.summary.includes('Ledger recovered')
    ) {
      for (const issue of this.twin.state.items.values())
        if (issue.kind === 'issue' && issue.state === 'open' && issue.labels.includes('ai-ready'))
          expect(step.summary).toMatch(new RegExp(`#${issue.number}\\b`));
    }
  }
}

let twin: Twin | undefined;
afterEach(async () => {
  await twin?.stop();
  twin = undefined;
});

describe('the ledger under random interleavings', () => {
  it.each([1, 2, 3, 4, 5, 6])('keeps its invariants after every step (seed %i)', async (seed) => {
    twin = await startTwin(fixture());
    const world = new World(twin, seededRandom(seed));
    try {
      await run(world);
    } catch (error) {
      // The steps that led here, so a failing seed can be read and replayed.
      throw new Error(`${String(error)}\nsteps: ${world.log.join(' → ')}`, { cause: error });
    }
    // The sequence must have exercised the ledger, not skipped it.
    expect(world.handed.length).toBeGreaterThan(0);
  });
});

async function run(world: World): Promise<void> {
  const twin = world.twin;
  {
    for (let i = 0; i < 30; i++) {
      const roll = world.random();
      const tamperedBefore = (await readLedger(twin)).tampering.length > 0;
      let step: Awaited<ReturnType<World['dispatch']>> | undefined;
      if (tamperedBefore && roll < 0.3) {
        world.log.push('recover');
        step = await world.dispatch({ recover: true });
        expect(step.error).toBeNull();
      } else if (roll < 0.35) {
        world.log.push('dispatch');
        step = await world.dispatch();
      } else if (roll < 0.45) {
        world.log.push('two dispatches racing');
        const runId = 1000 + Math.floor(world.random() * 4);
        const [a, b] = await Promise.all([world.dispatch({ runId }), world.dispatch({ runId })]);
        await world.startWorkers([...a.matrix, ...b.matrix]);
        await world.check({ matrix: [...a.matrix, ...b.matrix], tamperedBefore });
      } else if (roll < 0.52) {
        const killAfter = Math.floor(world.random() * 4);
        world.log.push(`dispatch killed after ${killAfter} writes`);
        step = await world.dispatch({ killAfter });
      } else if (roll < 0.6) {
        world.log.push('dispatch with lost answers');
        await world.faults(true);
        step = await world.dispatch();
        await world.faults(false);
      } else if (roll < 0.75) {
        world.log.push('release');
        await world.release();
      } else if (roll < 0.8) {
        world.log.push('writer edits');
        await world.tamper('edit');
      } else if (roll < 0.84) {
        world.log.push('writer deletes');
        await world.tamper('delete');
      } else if (roll < 0.9) {
        world.log.push('triager');
        await world.triage();
      } else {
        world.log.push('time passes');
        world.clock += Math.floor(world.random() * 2 * LEASE_MINUTES) * 60_000;
      }
      if (step) {
        if (step.error === null) await world.startWorkers(step.matrix);
        await world.check({ ...step, tamperedBefore });
      } else await world.check({});
      world.clock += 60_000;
    }
  }
}
