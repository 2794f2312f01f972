import { afterEach, describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ActionDeps } from '../../src/action-deps.js';
import { DISPATCH_OUTPUTS, MERGE_GATE_OUTPUTS, WORKER_OUTPUTS } from '../../src/action-io.js';
import { ConfigurationError } from '../../src/errors.js';
import type { GitHubClient } from '../../src/github/client.js';
import { RecordingLogger } from '../../src/logger.js';
import { outputDescriptions } from '../../src/observe/metrics.js';
import { metered, parseObserveSettings, publish } from '../../src/observe/publish.js';
import type { Notice, WorkerFigures } from '../../src/observe/types.js';
import { workerNotices, workerStatuses } from '../../src/worker/run.js';
import type { WorkerReport } from '../../src/worker/worker.js';
import { startStub } from '../support/http-stub.js';

let stop: (() => Promise<void>) | undefined;
afterEach(async () => {
  await stop?.();
  stop = undefined;
});

function fakeDeps(inputs: Record<string, string> = {}) {
  const outputs = new Map<string, string>();
  const logger = new RecordingLogger();
  const deps: ActionDeps = {
    input: (name) => inputs[name] ?? '',
    env: { GITHUB_WORKFLOW: 'AI Scrum Master' },
    logger,
    setOutput: (name, value) => outputs.set(name, value),
    writeSummary: async () => {},
    github: () => {
      throw new Error('no GitHub in this test');
    },
    now: () => new Date('2026-11-26T10:00:00Z'),
  };
  return { deps, outputs, logger };
}

const figures: WorkerFigures = {
  action: 'worker',
  requests: 9,
  writes: 4,
  durationSeconds: 61.5,
  issue: 12,
  outcome: 'rejected',
  costUsd: 0.25,
  issueCostUsd: 0.75,
  inputTokens: 1000,
  outputTokens: 200,
  cacheReadTokens: 0,
  revisions: 2,
};

const notice: Notice = {
  kind: 'failed',
  repository: 'acme/shop',
  issue: 12,
  pull: 30,
  title: 'Cart totals',
  detail: 'rejected: still not approved',
  url: 'https://github.com/acme/shop/pull/30',
  costUsd: 0.75,
};

describe('the inputs every action shares', () => {
  it('reads webhooks, the board and the metrics file, the board token defaulting to the action token', () => {
    const settings = parseObserveSettings(
      (name) =>
        ({
          'slack-webhook': 'https://hooks.slack.com/services/T/B/x',
          project: 'https://github.com/orgs/acme/projects/3/views/1',
          'metrics-file': 'metrics/run.prom',
        })[name] ?? '',
      'ghs_token',
    );
    expect(settings).toMatchObject({
      slackWebhook: 'https://hooks.slack.com/services/T/B/x',
      discordWebhook: null,
      project: { ownerType: 'organization', owner: 'acme', number: 3 },
      projectToken: 'ghs_token',
      metricsFile: 'metrics/run.prom',
    });
  });

  it('refuses a webhook that is not https, naming the input and not the secret', () => {
    const read = () =>
      parseObserveSettings(
        (name) => (name === 'discord-webhook' ? 'ftp://secret-token@example.com/x' : ''),
        't',
      );
    expect(read).toThrow(ConfigurationError);
    expect(read).toThrow(/discord-webhook/);
    expect(read).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining('secret-token') }),
    );
  });

  it('refuses a board URL that is not a board', () => {
    expect(() =>
      parseObserveSettings(
        (name) => (name === 'project' ? 'https://github.com/acme/shop' : ''),
        't',
      ),
    ).toThrow(/project/);
  });

  it('declares every figure as an output of its action', () => {
    expect(DISPATCH_OUTPUTS).toEqual(
      expect.arrayContaining(Object.keys(outputDescriptions('dispatch'))),
    );
    expect(WORKER_OUTPUTS).toEqual(
      expect.arrayContaining(Object.keys(outputDescriptions('worker'))),
    );
    expect(MERGE_GATE_OUTPUTS).toEqual(
      expect.arrayContaining(Object.keys(outputDescriptions('merge-gate'))),
    );
  });
});

describe('publish', () => {
  it('sets the figures as outputs, writes the metrics file and sends the notice', async () => {
    const stub = await startStub([{ status: 200, body: 'ok' }]);
    stop = stub.stop;
    const dir = mkdtempSync(join(tmpdir(), 'publish-'));
    const { deps, outputs, logger } = fakeDeps();
    await publish(
      deps,
      {
        slackWebhook: `${stub.url}/hook`,
        discordWebhook: null,
        project: null,
        projectToken: 't',
        metricsFile: join(dir, 'run.prom'),
      },
      { figures, notices: [notice], statuses: [], repo: { owner: 'acme', repo: 'shop' } },
    );
    expect(outputs.get('requests')).toBe('9');
    expect(outputs.get('outcome')).toBe('rejected');
    expect(outputs.get('issue-cost-usd')).toBe('0.750000');
    const metrics = readFileSync(join(dir, 'run.prom'), 'utf8');
    expect(metrics).toMatch(/^ai_scrum_github_requests\{[^}]*repository="acme\/shop"[^}]*\} 9$/m);
    expect(metrics).toMatch(/workflow="AI Scrum Master"/);
    expect(metrics.trimEnd().endsWith('# EOF')).toBe(true);
    expect(stub.seen).toHaveLength(1);
    expect(stub.seen[0]!.body).toContain('Cart totals');
    expect(logger.lines.filter((l) => l.level === 'warning')).toEqual([]);
  });

  it('only warns when the webhook fails and the metrics file cannot be written', async () => {
    const stub = await startStub([{ status: 500, body: 'down' }]);
    stop = stub.stop;
    const dir = mkdtempSync(join(tmpdir(), 'publish-'));
    writeFileSync(join(dir, 'a-file'), '');
    const { deps, outputs, logger } = fakeDeps();
    await expect(
      publish(
        deps,
        {
          slackWebhook: null,
          discordWebhook: `${stub.url}/hook`,
          project: null,
          projectToken: 't',
          metricsFile: join(dir, 'a-file', 'run.prom'),
        },
        { figures, notices: [notice], statuses: [], repo: { owner: 'acme', repo: 'shop' } },
      ),
    ).resolves.toBeUndefined();
    expect(outputs.get('requests')).toBe('9');
    const warnings = logger.lines.filter((l) => l.level === 'warning').map((l) => l.message);
    expect(warnings).toHaveLength(2);
    expect(warnings.join('\n')).toMatch(/metrics file/);
    expect(warnings.join('\n')).toMatch(/Discord/);
    expect(warnings.join('\n')).not.toContain(stub.url);
  });

  it('counts the requests of every client the action made', () => {
    const { deps } = fakeDeps();
    const clients = [
      { stats: { requests: 3, writes: 1 } },
      { stats: { requests: 2, writes: 2 } },
      {},
    ] as GitHubClient[];
    let next = 0;
    const meter = metered({ ...deps, github: () => clients[next++]! });
    meter.deps.github('a');
    meter.deps.github('b');
    meter.deps.github('c');
    expect(meter.totals()).toEqual({ requests: 5, writes: 3 });
  });
});

describe("the worker's notices and board status", () => {
  const report = (over: Partial<WorkerReport>): WorkerReport =>
    ({
      issue: 12,
      issueTitle: 'Cart <b>totals</b>',
      outcome: 'approved',
      reason: 'approved',
      pull: { number: 30, url: 'https://github.com/acme/shop/pull/30' },
      findings: [],
      issueCostUsd: 0.5,
      error: false,
      issueBudgetBound: false,
      ...over,
    }) as WorkerReport;

  it('sends nothing for approved work and puts it in review', () => {
    expect(workerNotices(report({}), 'acme/shop', null)).toEqual([]);
    expect(workerStatuses(report({}))).toEqual([{ issue: 12, status: 'in review' }]);
  });

  it('tells of a rejection and a spent budget, with the issue title as given', () => {
    expect(workerNotices(report({ outcome: 'rejected' }), 'acme/shop', null)).toEqual([
      expect.objectContaining({ kind: 'failed', issue: 12, pull: 30, title: 'Cart <b>totals</b>' }),
    ]);
    expect(workerNotices(report({ outcome: 'budget-exhausted' }), 'acme/shop', null)[0]?.kind).toBe(
      'budget',
    );
  });

  it('queues work that gets another attempt, fails work that does not, and leaves a superseded claim alone', () => {
    expect(workerStatuses(report({ outcome: 'rejected' }))[0]?.status).toBe('failed');
    expect(workerStatuses(report({ outcome: 'failed' }))[0]?.status).toBe('queued');
    expect(
      workerStatuses(report({ outcome: 'budget-exhausted', issueBudgetBound: true }))[0]?.status,
    ).toBe('failed');
    expect(workerStatuses(report({ outcome: 'deadline' }))[0]?.status).toBe('queued');
    expect(workerStatuses(report({ outcome: 'superseded' }))).toEqual([]);
  });
});
