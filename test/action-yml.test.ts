import { describe, expect, it } from '@jest/globals';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parse } from 'yaml';
import {
  ACTION_FILES,
  DISPATCH_INPUTS,
  MERGE_GATE_INPUTS,
  WORKER_INPUTS,
} from '../src/action-io.js';
import { ROOT } from './support/source.js';

interface ActionYml {
  name?: string;
  description?: string;
  branding?: { icon?: string; color?: string };
  inputs?: Record<string, { description?: string; default?: unknown }>;
  outputs?: Record<string, { description?: string }>;
  runs?: { using?: string; main?: string };
}

const load = (file: string): ActionYml =>
  parse(readFileSync(join(ROOT, file), 'utf8')) as ActionYml;

/** The disagreements between one action.yml and the code's constants. */
function disagreements(
  yml: ActionYml,
  io: { inputs: Record<string, string>; outputs: readonly string[] },
): string[] {
  const problems: string[] = [];
  const ymlInputs = yml.inputs ?? {};
  for (const [name, value] of Object.entries(io.inputs)) {
    if (!(name in ymlInputs)) problems.push(`input ${name} missing from action.yml`);
    else if (String(ymlInputs[name]?.default) !== value) {
      problems.push(
        `input ${name}: default ${JSON.stringify(ymlInputs[name]?.default)} in action.yml, ${JSON.stringify(value)} in code`,
      );
    }
  }
  for (const name of Object.keys(ymlInputs)) {
    if (!(name in io.inputs)) problems.push(`input ${name} unknown to the code`);
    if (!ymlInputs[name]?.description) problems.push(`input ${name} has no description`);
    if (ymlInputs[name]?.default === undefined) problems.push(`input ${name} has no default`);
  }
  const ymlOutputs = yml.outputs ?? {};
  for (const name of io.outputs)
    if (!(name in ymlOutputs)) problems.push(`output ${name} missing from action.yml`);
  for (const name of Object.keys(ymlOutputs)) {
    if (!io.outputs.includes(name)) problems.push(`output ${name} unknown to the code`);
    if (!ymlOutputs[name]?.description) problems.push(`output ${name} has no description`);
  }
  return problems;
}

describe.each(Object.entries(ACTION_FILES))('%s', (file, io) => {
  const yml = load(file);

  it('agrees with the code about every input, default and output', () => {
    expect(disagreements(yml, io)).toEqual([]);
  });

  it('has a name, description and branding, and runs a committed node24 bundle', () => {
    expect(yml.name).toMatch(/AI Scrum Master/);
    expect(yml.description?.length).toBeGreaterThan(20);
    expect(yml.branding?.icon).toBeTruthy();
    expect(yml.branding?.color).toBeTruthy();
    expect(yml.runs?.using).toBe('node24');
    const main = join(ROOT, dirname(file), yml.runs?.main ?? '');
    expect(main).toMatch(/\/dist\/[a-z-]+\/index\.js$/);
    expect(existsSync(main)).toBe(true);
  });
});

describe('the comparison itself', () => {
  it('reports a renamed input, a changed default and an unknown output', () => {
    const yml = load('actions/dispatch/action.yml');
    const inputs = { ...yml.inputs };
    inputs['max-worker'] = inputs['max-workers']!;
    delete inputs['max-workers'];
    inputs['dry-run'] = { ...inputs['dry-run'], default: 'true' };
    const problems = disagreements(
      { ...yml, inputs, outputs: { ...yml.outputs, extra: { description: 'x' } } },
      ACTION_FILES['actions/dispatch/action.yml']!,
    );
    expect(problems).toEqual([
      'input max-workers missing from action.yml',
      'input dry-run: default "true" in action.yml, "false" in code',
      'input max-worker unknown to the code',
      'output extra unknown to the code',
    ]);
  });
});

it('gives inputs shared by several actions one default', () => {
  const all = [DISPATCH_INPUTS, WORKER_INPUTS, MERGE_GATE_INPUTS] as Record<string, string>[];
  const clashes = all.flatMap((a) =>
    all.flatMap((b) => Object.keys(a).filter((name) => name in b && a[name] !== b[name])),
  );
  expect(clashes).toEqual([]);
});
