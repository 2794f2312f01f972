import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseOutputs } from '../../src/cli/demo/run.js';
import { ROOT } from './source.js';

export { parseOutputs };

export interface BundleResult {
  code: number;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
  summary: string;
}

/** Runs a committed bundle the way a runner does: inputs as INPUT_* variables, files for outputs. */
export function runBundle(
  bundle: string,
  inputs: Record<string, string>,
  extraEnv: Record<string, string> = {},
): Promise<BundleResult> {
  const dir = mkdtempSync(join(tmpdir(), 'ai-scrum-run-'));
  const files = { GITHUB_OUTPUT: join(dir, 'output'), GITHUB_STEP_SUMMARY: join(dir, 'summary') };
  for (const file of Object.values(files)) writeFileSync(file, '');
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    GITHUB_API_URL: 'http://127.0.0.1:9',
    ...files,
    ...extraEnv,
  };
  for (const [name, value] of Object.entries(inputs)) env[`INPUT_${name.toUpperCase()}`] = value;
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [join(ROOT, 'dist', bundle, 'index.js')],
      { env },
      (error, stdout, stderr) => {
        resolve({
          code: error ? Number(error.code) : 0,
          stdout,
          stderr,
          outputs: parseOutputs(readFileSync(files.GITHUB_OUTPUT, 'utf8')),
          summary: readFileSync(files.GITHUB_STEP_SUMMARY, 'utf8'),
        });
      },
    );
  });
}
