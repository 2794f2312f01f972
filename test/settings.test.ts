import { describe, expect, it } from '@jest/globals';
import { parseDispatchSettings } from '../src/dispatch/settings.js';
import { ConfigurationError } from '../src/errors.js';
import { parseMergeGateSettings } from '../src/merge-gate/settings.js';
import { Inputs } from '../src/settings/inputs.js';
import { parseWorkerSettings } from '../src/worker/settings.js';

const from =
  (values: Record<string, string>) =>
  (name: string): string =>
    values[name] ?? '';

describe('Inputs', () => {
  const defaults = { n: '3', x: '1.5', b: 'false', l: 'a, b', t: '${{ github.token }}', e: '' };
  const inputs = (values: Record<string, string>) => new Inputs(from(values), defaults);

  it('takes the default for an empty input, but never a workflow expression', () => {
    expect(inputs({ n: '  ' }).integer('n', { min: 0, max: 9 })).toBe(3);
    expect(inputs({}).raw('t')).toBe('');
    expect(inputs({ t: 'ghs_abc' }).raw('t')).toBe('ghs_abc');
  });

  it.each([
    ['abc', 'a whole number from 1 to 5'],
    ['2.5', 'a whole number from 1 to 5'],
    ['0', 'a whole number from 1 to 5'],
    ['6', 'a whole number from 1 to 5'],
  ])('rejects integer %p naming the input and the expected form', (value, expected) => {
    expect(() => inputs({ n: value }).integer('n', { min: 1, max: 5 })).toThrow(
      new ConfigurationError(`Invalid input 'n': ${JSON.stringify(value)}. Expected ${expected}.`),
    );
  });

  it('parses numbers within range', () => {
    expect(inputs({ x: '.25' }).number('x', { min: 0, max: 1 })).toBe(0.25);
    expect(inputs({}).number('x', { min: 0, max: 2 })).toBe(1.5);
    expect(() => inputs({ x: '1e3' }).number('x', { min: 0, max: 5000 })).toThrow(
      /Expected a number/,
    );
    expect(() => inputs({ x: '-1' }).number('x', { min: 0, max: 5 })).toThrow(/from 0 to 5/);
  });

  it('accepts the YAML booleans and nothing else', () => {
    expect(inputs({ b: 'True' }).boolean('b')).toBe(true);
    expect(inputs({}).boolean('b')).toBe(false);
    expect(() => inputs({ b: 'yes' }).boolean('b')).toThrow(
      'Invalid input \'b\': "yes". Expected true or false.',
    );
  });

  it('splits lists on commas and new lines', () => {
    expect(inputs({}).list('l')).toEqual(['a', 'b']);
    expect(inputs({ l: 'x\n y ,, z' }).list('l')).toEqual(['x', 'y', 'z']);
    expect(inputs({}).list('e')).toEqual([]);
  });

  it('reads issue numbers with or without #', () => {
    expect(inputs({ e: '#12, 14 15' }).issueNumbers('e')).toEqual([12, 14, 15]);
    expect(inputs({}).issueNumbers('e')).toEqual([]);
    expect(() => inputs({ e: '12, twelve' }).issueNumbers('e')).toThrow(/Expected issue numbers/);
    expect(() => inputs({ e: '0' }).issueNumbers('e')).toThrow(/Expected issue numbers/);
  });

  it('requires what is required', () => {
    expect(() => inputs({}).string('e', { required: true })).toThrow(
      "Input 'e' is required and was empty.",
    );
  });

  it('shortens a huge value in the message', () => {
    const huge = 'x'.repeat(10_000);
    expect(() => inputs({ n: huge }).integer('n', { min: 1, max: 5 })).toThrow(
      /x{80}…"\. Expected/,
    );
  });
});

describe('parseDispatchSettings', () => {
  it('gives the documented defaults', () => {
    const settings = parseDispatchSettings(from({ 'github-token': 't' }));
    expect(settings).toMatchObject({
      token: 't',
      maxWorkers: 5,
      leaseMinutes: 120,
      maxAttempts: 3,
      dailyBudgetUsd: 25,
      issueBudgetUsd: 5,
      forcedIssues: [],
      dryRun: false,
      ledgerWriters: [],
      labels: { ready: 'ai-ready', inProgress: 'ai-in-progress', coordination: 'ai-coordination' },
    });
  });

  it('reads every input', () => {
    const settings = parseDispatchSettings(
      from({
        'github-token': 't',
        'max-workers': '256',
        issues: '7,8',
        'dry-run': 'true',
        'ledger-writers': 'alice, bot[bot]',
        'ready-label': 'go',
      }),
    );
    expect(settings).toMatchObject({
      maxWorkers: 256,
      forcedIssues: [7, 8],
      dryRun: true,
      ledgerWriters: ['alice', 'bot[bot]'],
      labels: { ready: 'go' },
    });
  });

  it.each([
    [
      'max-workers',
      '257',
      /Invalid input 'max-workers': "257"\. Expected a whole number from 1 to 256/,
    ],
    ['lease-minutes', '1', /Invalid input 'lease-minutes'/],
    ['daily-budget-usd', 'lots', /Invalid input 'daily-budget-usd': "lots"\. Expected a number/],
    ['ready-label', 'a,b', /Invalid input 'ready-label': "a,b"\. Expected a label name/],
    ['github-token', '', /Input 'github-token' is required/],
  ])('rejects %s=%p', (name, value, message) => {
    expect(() => parseDispatchSettings(from({ 'github-token': 't', [name]: value }))).toThrow(
      message,
    );
  });
});

describe('parseWorkerSettings', () => {
  const entry = { 'github-token': 't', issue: '12', claim: 'c-12-1', epoch: '1' };

  it('reads a matrix entry', () => {
    expect(parseWorkerSettings(from(entry))).toMatchObject({
      issue: 12,
      claim: 'c-12-1',
      epoch: 1,
      kind: 'issue',
      model: 'claude-sonnet-5-5',
      maxRevisions: 3,
      protectedPaths: ['.github/**'],
    });
  });

  it.each([
    ['issue', '', /Invalid input 'issue': ""\. Expected a whole number/],
    [
      'claim',
      'x y',
      /Invalid input 'claim': "x y"\. Expected the claim id from the dispatch matrix/,
    ],
    ['kind', 'feature', /Invalid input 'kind': "feature"\. Expected one of issue, conflict/],
    ['epoch', '-1', /Invalid input 'epoch'/],
  ])('rejects %s=%p', (name, value, message) => {
    expect(() => parseWorkerSettings(from({ ...entry, [name]: value }))).toThrow(message);
  });
});

describe('parseMergeGateSettings', () => {
  it('takes the pull request from the event when the input is empty', () => {
    expect(parseMergeGateSettings(from({ 'github-token': 't' }))).toMatchObject({
      pullRequest: 0,
      coverageThreshold: 70,
      coverageMaxDrop: 0.5,
      patchCoverageThreshold: 80,
      mergeMethod: 'squash',
      reviewLabels: ['priority:critical', 'complexity:large'],
    });
    expect(
      parseMergeGateSettings(from({ 'github-token': 't', 'pull-request': '9' })).pullRequest,
    ).toBe(9);
  });

  it.each([
    ['merge-method', 'fast-forward', /Expected one of merge, squash, rebase/],
    ['coverage-threshold', '101', /Expected a number from 0 to 100/],
    ['pull-request', 'abc', /Invalid input 'pull-request'/],
  ])('rejects %s=%p', (name, value, message) => {
    expect(() => parseMergeGateSettings(from({ 'github-token': 't', [name]: value }))).toThrow(
      message,
    );
  });
});
