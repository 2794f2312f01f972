import { describe, expect, it } from '@jest/globals';
import { ConfigurationError } from '../../src/errors.js';
import {
  DEFAULT_PRICES,
  costUsd,
  priceKey,
  priceOf,
  resolveModelSettings,
  type ModelSettings,
} from '../../src/model/index.js';

const anthropic: ModelSettings = { provider: 'anthropic', apiKey: 'sk-test' };

describe('model settings', () => {
  it('defaults each role model, the retries and the timeout', () => {
    expect(resolveModelSettings(anthropic)).toMatchObject({
      provider: 'anthropic',
      models: { po: 'claude-sonnet-5-5', dev: 'claude-sonnet-5-5', review: 'claude-opus-5-5' },
      maxRetries: 4,
      timeoutMs: 600_000,
      prices: { review: { input: 4, output: 20, cacheWrite: 5, cacheRead: 0.2 } },
    });
  });

  it.each<[string, ModelSettings, string]>([
    ['an unknown provider', { provider: 'azure' }, 'Invalid input \'model-provider\': "azure"'],
    ['no key for the API', { provider: 'anthropic' }, "Input 'anthropic-api-key' is required"],
    [
      'a base URL that is not one',
      { ...anthropic, baseUrl: 'localhost:8080' },
      "Invalid input 'anthropic-base-url'",
    ],
    ['Vertex without a region', { provider: 'vertex' }, "Input 'model-region' is required"],
    [
      'a malformed project',
      { provider: 'vertex', region: 'us-east5', project: 'My Project' },
      "Invalid input 'vertex-project-id'",
    ],
    [
      'prices that are not JSON',
      { ...anthropic, prices: '{input: 2}' },
      "Invalid input 'model-prices': not JSON",
    ],
    [
      'a negative price',
      { ...anthropic, prices: '{"claude-sonnet-5-5": {"input": -1}}' },
      "Invalid input 'model-prices': claude-sonnet-5-5.input",
    ],
    [
      'a misspelled price field',
      { ...anthropic, prices: '{"claude-sonnet-5-5": {"inputs": 1}}' },
      "Invalid input 'model-prices'",
    ],
    [
      'a model nobody priced',
      { ...anthropic, models: { review: 'claude-opus-4-8' } },
      "Input 'review-model': no price is known for model 'claude-opus-4-8'",
    ],
    [
      'an override of an unknown model without its input price',
      {
        ...anthropic,
        models: { po: 'claude-opus-4-8' },
        prices: '{"claude-opus-4-8": {"output": 25}}',
      },
      "Input 'po-model': no price is known",
    ],
    ['too many retries', { ...anthropic, maxRetries: 11 }, "Invalid input 'model-max-retries'"],
    [
      'no time at all',
      { ...anthropic, timeoutSeconds: 0 },
      "Invalid input 'model-timeout-seconds'",
    ],
  ])('refuses %s, naming the input', (_, settings, message) => {
    expect(() => resolveModelSettings(settings)).toThrow(ConfigurationError);
    expect(() => resolveModelSettings(settings)).toThrow(message);
  });

  it('gives Bedrock the global inference profile of a bare model id', () => {
    expect(
      resolveModelSettings({ provider: 'bedrock', models: { dev: 'claude-haiku-4-5' } }).models,
    ).toEqual({
      po: 'global.anthropic.claude-sonnet-5-5',
      dev: 'global.anthropic.claude-haiku-4-5',
      review: 'global.anthropic.claude-opus-5-5',
    });
  });
});

describe('prices', () => {
  it('name their source', () => {
    for (const entry of Object.values(DEFAULT_PRICES))
      expect(entry.source).toMatch(/Anthropic model pages, read late November 2026/);
  });

  it('find a provider-specific id under its base model', () => {
    expect(priceKey('global.anthropic.claude-sonnet-5-5')).toBe('claude-sonnet-5-5');
    expect(priceKey('eu.anthropic.claude-opus-5-5-v1:0')).toBe('claude-opus-5-5');
    expect(priceKey('claude-haiku-4-5@20251001')).toBe('claude-haiku-4-5');
    expect(priceKey('claude-haiku-4-5-20251001')).toBe('claude-haiku-4-5');
    expect(priceOf('us.anthropic.claude-haiku-4-5-20251001-v1:0')?.input).toBe(1);
  });

  it('take an override field by field, and derive cache prices for a new model', () => {
    expect(priceOf('claude-sonnet-5-5', { 'claude-sonnet-5-5': { cacheRead: 0.1 } })).toMatchObject(
      {
        input: 2,
        output: 10,
        cacheWrite: 2.5,
        cacheRead: 0.1,
      },
    );
    expect(
      priceOf('claude-opus-4-8', { 'claude-opus-4-8': { input: 5, output: 25 } }),
    ).toMatchObject({
      input: 5,
      output: 25,
      cacheWrite: 6.25,
      cacheRead: 0.5,
    });
    expect(priceOf('claude-opus-4-8')).toBeUndefined();
  });

  it('cost every kind of token at its own price', () => {
    const price = { input: 2, output: 10, cacheWrite: 2.5, cacheRead: 0.2 };
    expect(costUsd(price, { input: 1e6, output: 0, cacheCreation: 0, cacheRead: 0 })).toBe(2);
    expect(costUsd(price, { input: 0, output: 1e6, cacheCreation: 0, cacheRead: 0 })).toBe(10);
    expect(costUsd(price, { input: 0, output: 0, cacheCreation: 1e6, cacheRead: 0 })).toBe(2.5);
    expect(costUsd(price, { input: 0, output: 0, cacheCreation: 0, cacheRead: 1e6 })).toBe(0.2);
  });
});
