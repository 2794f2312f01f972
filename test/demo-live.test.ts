import { describe, expect, it } from '@jest/globals';
import { runCli } from '../src/cli/main.js';
import { demoModel, LIVE_DAILY_BUDGET_USD, runDemo } from '../src/cli/demo/run.js';

/** `ai-scrum demo --live`: the real model in place of the scripted one, GitHub still the twin. */

function recording() {
  const out: string[] = [];
  const err: string[] = [];
  return {
    io: { out: (line: string) => out.push(line), err: (line: string) => err.push(line) },
    out,
    err,
  };
}

describe('the demo with --live', () => {
  it('keeps the scripted model without --live, and says so', () => {
    const model = demoModel(false, { ANTHROPIC_API_KEY: 'sk-ant-real' });
    expect(model).toMatchObject({ live: false, workerInputs: {}, env: {} });
    expect('describe' in model && model.describe).toContain('SCRIPTED');
  });

  it('gives the workers the key, Anthropic’s API (or the gateway named) and a capped day', () => {
    const direct = demoModel(true, { ANTHROPIC_API_KEY: ' sk-ant-real ' });
    expect(direct).toEqual({
      live: true,
      workerInputs: {
        'anthropic-api-key': 'sk-ant-real',
        'review-model': '',
        'daily-budget-usd': LIVE_DAILY_BUDGET_USD,
      },
      dispatchInputs: { 'daily-budget-usd': LIVE_DAILY_BUDGET_USD },
      // The twin's scripted model URL is taken away: the SDK then calls Anthropic's API.
      env: { ANTHROPIC_BASE_URL: undefined },
      describe: expect.stringContaining('REAL model'),
    });
    const gateway = demoModel(true, {
      ANTHROPIC_API_KEY: 'k',
      ANTHROPIC_BASE_URL: 'https://gateway.example/anthropic',
    });
    expect('env' in gateway && gateway.env).toEqual({
      ANTHROPIC_BASE_URL: 'https://gateway.example/anthropic',
    });
  });

  it('stops before starting anything when there is no key', async () => {
    const { io, out, err } = recording();
    expect(
      await runDemo({ json: null, html: null, outDir: 'unused', live: true, env: {} }, io),
    ).toBe(2);
    expect(out).toEqual([]);
    expect(err).toEqual([expect.stringContaining('--live needs ANTHROPIC_API_KEY')]);
  });

  it('takes --live as a flag, and refuses a value for it', async () => {
    const { io, err } = recording();
    expect(await runCli(['demo', '--live=yes'], io)).toBe(2);
    expect(err.join('\n')).toContain("option '--live' takes no value");
  });
});
