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
  const entry = {
    'github-token': 't',
    issue: '12',
    claim: 'c-12-1',
    epoch: '1',
    'anthropic-api-key': 'k',
    'test-command': 'npm test',
  };

  it('reads a matrix entry, with defaults for the rest', () => {
    expect(parseWorkerSettings(from({ ...entry, files: '["src/a.ts","src/b.ts"]' }))).toMatchObject(
      {
        work: {
          issue: 12,
          claim: 'c-12-1',
          epoch: 1,
          kind: 'issue',
          branch: 'ai-feature/issue-12',
          files: ['src/a.ts', 'src/b.ts'],
          pull: null,
        },
        maxRevisions: 3,
        maxFiles: 5,
        sandbox: 'user',
        deadlineMinutes: 60,
        protectedPaths: ['.github/**'],
        largeLabels: ['complexity:large', 'complexity:xl'],
      },
    );
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
    ['branch', 'main', /Invalid input 'branch': "main"\. Expected 'ai-feature\/issue-12'/],
    ['files', '[1, 2]', /Invalid input 'files'.*Expected a JSON array of paths/],
    ['sandbox', 'docker', /Invalid input 'sandbox': "docker"\. Expected one of user, none/],
    ['deadline-minutes', '2', /Invalid input 'deadline-minutes'/],
    ['anthropic-api-key', '', /Input 'anthropic-api-key' is required/],
    ['po-model', 'gpt 9', /Invalid input 'po-model'/],
    [
      'budget-reserve-usd',
      '9',
      /'budget-reserve-usd' \(9\) must be less than 'issue-budget-usd' \(5\)/,
    ],
  ])('rejects %s=%p', (name, value, message) => {
    expect(() => parseWorkerSettings(from({ ...entry, [name]: value }))).toThrow(message);
  });

  it('needs a test command, and a pull request for a conflict task', () => {
    expect(() => parseWorkerSettings(from({ ...entry, 'test-command': '' }))).toThrow(
      /'test-command' and 'coverage-command' are both empty/,
    );
    expect(() => parseWorkerSettings(from({ ...entry, kind: 'conflict' }))).toThrow(
      /Input 'pull' is required with kind 'conflict'/,
    );
  });
});

describe('parseMergeGateSettings', () => {
  it('takes the pull request from the event when the input is empty', () => {
    expect(parseMergeGateSettings(from({ 'github-token': 't' }))).toMatchObject({
      pullRequest: 0,
      mode: 'gate',
      coverageThreshold: 70,
      maxCoverageDrop: 0.5,
      patchCoverageThreshold: 80,
      maxFiles: 50,
      maxChangedLines: 2000,
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
    ['mode', 'judge', /Expected one of gate, record/],
    ['expected-reports', '-1', /Invalid input 'expected-reports'/],
  ])('rejects %s=%p', (name, value, message) => {
    expect(() => parseMergeGateSettings(from({ 'github-token': 't', [name]: value }))).toThrow(
      message,
    );
  });

  it('refuses two coverage sources, and record mode without reports', () => {
    expect(() =>
      parseMergeGateSettings(
        from({ 'github-token': 't', 'coverage-files': 'a.info', 'coverage-artifact': 'coverage' }),
      ),
    ).toThrow(/coverage-files and coverage-artifact were both given/);
    expect(() => parseMergeGateSettings(from({ 'github-token': 't', mode: 'record' }))).toThrow(
      /mode is record.*coverage-files is empty/,
    );
  });
});

describe('logins and ordered label lists', () => {
  const dispatch = (values: Record<string, string>) =>
    parseDispatchSettings(from({ 'github-token': 't', ...values }));

  it('accepts users and apps’ bots, separated by commas or new lines', () => {
    expect(dispatch({ 'ledger-writers': 'alice,\n  my-app[bot]\nBob-2' }).ledgerWriters).toEqual([
      'alice',
      'my-app[bot]',
      'Bob-2',
    ]);
    expect(dispatch({ 'ledger-writers': `a${'b'.repeat(38)}` }).ledgerWriters).toHaveLength(1);
  });

  it.each([
    ['alice, bad login', '"bad login" is not one'],
    ['-alice', '"-alice" is not one'],
    ['alice@example.com', '"alice@example.com" is not one'],
    [`a${'b'.repeat(39)}`, `"a${'b'.repeat(39)}" is not one`],
    ['my-app[robot]', '"my-app[robot]" is not one'],
  ])('rejects ledger-writers %p, naming the input and the entry', (value, why) => {
    expect(() => dispatch({ 'ledger-writers': value })).toThrow(
      new ConfigurationError(
        `Invalid input 'ledger-writers': ${JSON.stringify(value)}. Expected GitHub logins separated by commas or new lines; ${why}.`,
      ),
    );
  });

  it('rejects an empty entry among ledger-writers', () => {
    expect(() => dispatch({ 'ledger-writers': 'alice,,bob' })).toThrow(
      `Invalid input 'ledger-writers': "alice,,bob". Expected GitHub logins separated by commas or new lines, none of them empty.`,
    );
  });

  it('worker and merge-gate check ledger-writers too', () => {
    const worker = {
      'github-token': 't',
      issue: '1',
      claim: 'c-1-1',
      epoch: '1',
      'anthropic-api-key': 'k',
      'test-command': 'npm test',
    };
    const invalid = /Invalid input 'ledger-writers': "a b"\. Expected GitHub logins/;
    expect(() => parseWorkerSettings(from({ ...worker, 'ledger-writers': 'a b' }))).toThrow(
      invalid,
    );
    expect(() =>
      parseMergeGateSettings(from({ 'github-token': 't', 'ledger-writers': 'a b' })),
    ).toThrow(invalid);
    expect(
      parseWorkerSettings(from({ ...worker, 'ledger-writers': 'x[bot]' })).ledgerWriters,
    ).toEqual(['x[bot]']);
  });

  it('reads an order with commas, line breaks or both', () => {
    expect(
      dispatch({ 'priority-order': 'p:1,\n p:2\n\np:3 , p:4', 'complexity-order': 'small' }),
    ).toMatchObject({ priorityOrder: ['p:1', 'p:2', 'p:3', 'p:4'], complexityOrder: ['small'] });
    expect(dispatch({}).priorityOrder).toEqual([
      'priority:critical',
      'priority:high',
      'priority:medium',
      'priority:low',
    ]);
  });

  it.each([
    ['priority-order', 'priority:high,,priority:low'],
    ['priority-order', 'priority:high,'],
    ['complexity-order', ',complexity:xs'],
    ['complexity-order', `complexity:${'x'.repeat(50)}`],
  ])('rejects %s %p, naming the input', (name, value) => {
    expect(() => dispatch({ [name]: value })).toThrow(
      `Invalid input '${name}': ${JSON.stringify(value)}. Expected label names of up to 50 characters separated by commas or new lines, none of them empty.`,
    );
  });
});
