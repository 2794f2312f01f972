import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ACTION_RUNS } from '../src/router.js';
import { runAction } from '../src/entrypoints/run-action.js';
import { runCommand } from '../src/router.js';
import { recordingCore } from './support/core.js';
import { startStub } from './support/http-stub.js';

const worker = { 'github-token': 't', issue: '3', claim: 'c-3-1', epoch: '1' };

describe('runAction', () => {
  it('stops the worker on an invalid input before anything is read or written, naming it', async () => {
    const { core, failures } = recordingCore({ ...worker, epoch: 'latest' });
    await runAction('ai-scrum-master/worker', ACTION_RUNS.worker, core, {});
    expect(failures).toEqual([
      `ai-scrum-master/worker failed: Invalid input 'epoch': "latest". Expected a whole number from 1 to 1000000.`,
    ]);
  });

  it('fails the merge gate clearly when neither the input nor the event names a pull request', async () => {
    const { core, failures } = recordingCore({ 'github-token': 't' });
    await runAction('ai-scrum-master/merge-gate', ACTION_RUNS['merge-gate'], core, {
      GITHUB_REPOSITORY: 'acme/shop',
      GITHUB_EVENT_NAME: 'schedule',
    });
    expect(failures).toEqual([
      'ai-scrum-master/merge-gate failed: Input pull-request is empty and the schedule event names no pull request; expected a pull request number, or a pull_request or workflow_run event.',
    ]);
  });

  it('reports an invalid input before anything else', async () => {
    const { core, failures } = recordingCore({ 'github-token': 't', 'max-workers': 'many' });
    await runAction('ai-scrum-master/dispatch', ACTION_RUNS.dispatch, core, {});
    expect(failures).toEqual([
      `ai-scrum-master/dispatch failed: Invalid input 'max-workers': "many". Expected a whole number from 1 to 256.`,
    ]);
  });

  it('does not fail an action that succeeds, and routes its log lines to core', async () => {
    const { core, failures, said } = recordingCore({});
    await runAction(
      'ok',
      async ({ logger }) => {
        logger.debug('d');
        logger.info('i');
        logger.warning('w');
        logger.error('e');
      },
      core,
      {},
    );
    expect(failures).toEqual([]);
    expect(said.map((line) => line.level)).toEqual(['debug', 'info', 'warning', 'error']);
  });

  it('reports a thrown non-Error value too', async () => {
    const { core, failures } = recordingCore({});
    await runAction('odd', () => Promise.reject('plain string'), core, {});
    expect(failures).toEqual(['odd failed: plain string']);
  });
});

describe('the root action', () => {
  it('routes the command to the action of that name', async () => {
    const { core, failures, said } = recordingCore({ command: 'worker', ...worker });
    await runAction('ai-scrum-master', runCommand, core, {});
    expect(said).toContainEqual({ level: 'info', message: 'ai-scrum-master: running worker' });
    expect(failures).toEqual([
      "ai-scrum-master failed: Input 'anthropic-api-key' is required with model-provider 'anthropic' and was empty.",
    ]);
  });

  it.each(['', 'deploy'])('rejects command %p naming the choices', async (command) => {
    const { core, failures } = recordingCore({ command });
    await runAction('ai-scrum-master', runCommand, core, {});
    expect(failures).toEqual([
      `ai-scrum-master failed: Invalid input 'command': ${JSON.stringify(command)}. Expected one of dispatch, worker, merge-gate.`,
    ]);
  });
});

describe('the runner’s environment', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ai-scrum-env-'));
  const file = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };

  async function failuresWith(env: Record<string, string>) {
    const { core, failures } = recordingCore({ 'github-token': 't' });
    let ran = false;
    await runAction(
      'ai-scrum-master/dispatch',
      async () => {
        ran = true;
      },
      core,
      env,
    );
    return { failures, ran };
  }

  it('runs with a readable event file', async () => {
    const event = file('event.json', '{"inputs":{"issues":"12"}}');
    expect(await failuresWith({ GITHUB_EVENT_PATH: event })).toEqual({ failures: [], ran: true });
  });

  it.each([
    [
      'a missing event file',
      () => join(dir, 'missing.json'),
      (path: string) =>
        `GITHUB_EVENT_PATH is ${JSON.stringify(path)}, which does not exist; the runner writes the triggering event there.`,
    ],
    [
      'an event file that is not JSON',
      () => file('broken.json', 'not json\n'),
      (path: string) =>
        expect.stringMatching(
          new RegExp(
            `^GITHUB_EVENT_PATH is "${path}", which is not JSON \\(Unexpected token .*\\)\\.$`,
          ),
        ),
    ],
    [
      'an event that is not an object',
      () => file('list.json', '[1]'),
      (path: string) => `GITHUB_EVENT_PATH is ${JSON.stringify(path)}, which holds no JSON object.`,
    ],
    [
      'an event path that is a folder',
      () => dir,
      (path: string) =>
        expect.stringMatching(
          new RegExp(`^GITHUB_EVENT_PATH is "${path}", which cannot be read \\(EISDIR.*\\)\\.$`),
        ),
    ],
  ])('stops on %s, naming the file, before the action runs', async (_case, path, message) => {
    const at = path();
    const { failures, ran } = await failuresWith({ GITHUB_EVENT_PATH: at });
    expect(ran).toBe(false);
    expect(failures).toHaveLength(1);
    expect(failures[0]!.replace('ai-scrum-master/dispatch failed: ', '')).toEqual(message(at));
    expect(failures[0]).not.toContain('\n');
  });

  it.each([
    [
      { GITHUB_API_URL: 'api.github.com' },
      'GITHUB_API_URL is "api.github.com", not a URL; expected an http(s) URL such as https://api.github.com.',
    ],
    [
      { GITHUB_API_URL: 'ftp://ghe.example/api/v3' },
      'GITHUB_API_URL is "ftp://ghe.example/api/v3", not an http(s) URL; expected an http(s) URL such as https://api.github.com.',
    ],
    [
      { GITHUB_API_URL: 'https://ghe.example/api/v3', GITHUB_GRAPHQL_URL: 'graphql' },
      'GITHUB_GRAPHQL_URL is "graphql", not a URL; expected an http(s) URL such as https://api.github.com.',
    ],
  ])('stops on a malformed endpoint %p, naming the variable', async (env, message) => {
    const { failures, ran } = await failuresWith(env);
    expect(ran).toBe(false);
    expect(failures).toEqual([`ai-scrum-master/dispatch failed: ${message}`]);
  });

  it('rejects invalid inputs before any request is sent', async () => {
    const stub = await startStub([]);
    try {
      const invalid: Record<string, string>[] = [
        { 'ledger-writers': 'alice, bad login' },
        { 'priority-order': 'priority:high,,priority:low' },
      ];
      for (const inputs of invalid) {
        const { core, failures } = recordingCore({ 'github-token': 't', ...inputs });
        await runAction('ai-scrum-master/dispatch', ACTION_RUNS.dispatch, core, {
          GITHUB_API_URL: stub.url,
          GITHUB_REPOSITORY: 'acme/shop',
        });
        expect(failures).toEqual([
          expect.stringMatching(/failed: Invalid input '(ledger-writers|priority-order)'/),
        ]);
      }
      expect(stub.seen).toEqual([]);
    } finally {
      await stub.stop();
    }
  });
});
