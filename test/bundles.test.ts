import { describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TWIN_MARKER } from '../src/twin/index.js';
import { runBundle } from './support/bundle.js';
import { ROOT } from './support/source.js';

describe('committed bundles run as a runner runs them', () => {
  it('the worker with an invalid input fails naming it, before any request', async () => {
    const result = await runBundle('worker', {
      'github-token': 't',
      issue: '1',
      claim: 'c-1-1',
      epoch: '1',
      kind: 'conflict',
    });
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(
      "::error::ai-scrum-master/worker failed: Input 'pull' is required with kind 'conflict' and was empty.",
    );
    expect(result.outputs).toEqual({});
  });

  it('the merge gate with an invalid input fails naming it, before any request', async () => {
    const result = await runBundle('merge-gate', {
      'github-token': 't',
      'coverage-threshold': '170',
    });
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(
      '::error::ai-scrum-master/merge-gate failed: Invalid input \'coverage-threshold\': "170". Expected a number from 0 to 100',
    );
    expect(result.outputs).toEqual({});
  });

  it('dispatch without the runner’s GITHUB_REPOSITORY fails naming it', async () => {
    const result = await runBundle('dispatch', { 'github-token': 't' });
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(
      '::error::ai-scrum-master/dispatch failed: GITHUB_REPOSITORY is ""; expected OWNER/REPO',
    );
  });

  it('the root action rejects a bad input naming it', async () => {
    const result = await runBundle('main', {
      command: 'dispatch',
      'github-token': 't',
      'dry-run': 'maybe',
    });
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(
      `::error::ai-scrum-master failed: Invalid input 'dry-run': "maybe". Expected true or false.`,
    );
  });

  it('the ai-scrum command prints its version', async () => {
    const version = await new Promise<string>((resolve, reject) =>
      execFile(process.execPath, [join(ROOT, 'bin/ai-scrum.js'), 'version'], (error, stdout) =>
        error ? reject(error) : resolve(stdout.trim()),
      ),
    );
    expect(version).toBe('0.1.0');
  });
});

describe('action bundles', () => {
  const bundles = ['main', 'dispatch', 'worker', 'merge-gate'];

  it.each(bundles)('dist/%s carries no twin code', (bundle) => {
    const text = readFileSync(join(ROOT, 'dist', bundle, 'index.js'), 'utf8');
    expect(text).not.toContain(TWIN_MARKER);
    expect(text).not.toContain('http-backend');
    expect(text).not.toContain('The twin does not implement');
  });

  it('the markers it looks for are really in the twin', () => {
    const twin = ['server.ts', 'git-http.ts', 'graphql.ts']
      .map((file) => readFileSync(join(ROOT, 'src/twin', file), 'utf8'))
      .join('\n');
    expect(twin).toContain(TWIN_MARKER);
    expect(twin).toContain('http-backend');
    expect(twin).toContain('The twin does not implement');
  });
});
