import { describe, expect, it } from '@jest/globals';
import { runDispatch } from '../src/dispatch/run.js';
import { runAction } from '../src/entrypoints/run-action.js';
import { runMergeGate } from '../src/merge-gate/run.js';
import { runCommand } from '../src/router.js';
import { runWorker } from '../src/worker/run.js';
import { recordingCore } from './support/core.js';

const worker = { 'github-token': 't', issue: '3', claim: 'c-3-1', epoch: '1' };

describe('runAction', () => {
  it.each([
    ['worker', runWorker, worker],
    ['merge-gate', runMergeGate, { 'github-token': 't' }],
  ] as const)(
    'fails %s with a clear "not implemented yet" until it exists',
    async (name, run, inputs) => {
      const { core, failures } = recordingCore(inputs);
      await runAction(`ai-scrum-master/${name}`, run, core, {});
      expect(failures).toEqual([
        `ai-scrum-master/${name} failed: The ${name} action is not implemented yet in ai-scrum-master; nothing was changed.`,
      ]);
    },
  );

  it('reports an invalid input before anything else', async () => {
    const { core, failures } = recordingCore({ 'github-token': 't', 'max-workers': 'many' });
    await runAction('ai-scrum-master/dispatch', runDispatch, core, {});
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
      'ai-scrum-master failed: The worker action is not implemented yet in ai-scrum-master; nothing was changed.',
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
