import { execFile } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import picomatch from 'picomatch';
import { parseCoverageFile, parseCoverageText, type CoverageReport } from '../coverage/index.js';
import type { GateWorkspace } from './gate.js';
import { gitEnv, SAFE_GIT_OPTIONS } from '../scrum/tools/git.js';

/**
 * The runner's side of the gate: coverage reports on disk and git in the job's checkout. Git runs
 * with the token for the one fetch that needs it, never stored in the checkout.
 */

const SKIPPED = new Set(['.git', 'node_modules']);

/** Files under `root` matching the globs (repository-relative, forward slashes), sorted. */
export function matchFiles(root: string, globs: string[]): string[] {
  if (globs.length === 0 || !existsSync(root)) return [];
  const matches = picomatch(globs, { dot: true });
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (!SKIPPED.has(entry.name)) walk(path);
      } else if (entry.isFile() && matches(relative(root, path).split(sep).join('/'))) {
        found.push(relative(root, path).split(sep).join('/'));
      }
    }
  };
  // A glob that names a file exactly is read even under a skipped folder.
  for (const glob of globs)
    if (
      !picomatch.scan(glob).isGlob &&
      existsSync(join(root, glob)) &&
      statSync(join(root, glob)).isFile()
    )
      found.push(glob.replace(/^\.\//, ''));
  walk(root);
  return [...new Set(found)].sort();
}

/** git with our minimal environment (`gitEnv`): no hooks, no system or global configuration. */
function git(
  cwd: string,
  args: string[],
  config: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = gitEnv(config);
  return new Promise((resolve) => {
    execFile(
      'git',
      [...SAFE_GIT_OPTIONS, ...args],
      { cwd, env, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

export class RunnerWorkspace implements GateWorkspace {
  constructor(
    /** GITHUB_WORKSPACE: the checkout, where reports and git are. */
    private readonly root: string,
    private readonly fetchAuth: { serverUrl: string; token: string } | null,
  ) {}

  async readReports(globs: string[]): Promise<{ reports: CoverageReport[]; files: string[] }> {
    const files = matchFiles(this.root, globs);
    const reports: CoverageReport[] = [];
    for (const file of files)
      reports.push(await parseCoverageFile(join(this.root, file), { root: this.root }));
    return { reports, files };
  }

  async readArtifact(files: Map<string, Buffer>): Promise<CoverageReport[]> {
    const reports: CoverageReport[] = [];
    for (const [name, content] of [...files].sort(([a], [b]) => a.localeCompare(b)))
      reports.push(await parseCoverageText(content.toString('utf8'), { name, root: this.root }));
    return reports;
  }

  /** Both commits in the checkout, fetched once with the token; false without a checkout. */
  private async fetched(base: string, head: string): Promise<boolean> {
    if (!existsSync(join(this.root, '.git'))) return false;
    const key = `${base} ${head}`;
    if (this.have.has(key)) return true;
    const auth: Record<string, string> = this.fetchAuth
      ? {
          [`http.${this.fetchAuth.serverUrl}/.extraheader`]: `AUTHORIZATION: basic ${Buffer.from(`x-access-token:${this.fetchAuth.token}`).toString('base64')}`,
        }
      : {};
    const fetched = await git(
      this.root,
      ['fetch', '--quiet', '--no-tags', 'origin', base, head],
      auth,
    );
    if (fetched.code !== 0) return false;
    this.have.add(key);
    return true;
  }

  private readonly have = new Set<string>();

  async diff(base: string, head: string): Promise<string | null> {
    if (!(await this.fetched(base, head))) return null;
    const diff = await git(this.root, [
      'diff',
      '--no-color',
      '--no-ext-diff',
      '--no-textconv',
      // The pull request's own `.gitattributes` (`*.ts -diff`) must not hide its lines from
      // patch coverage.
      '--text',
      '-M',
      `${base}...${head}`,
    ]);
    return diff.code === 0 ? diff.stdout : null;
  }

  async conflictingFiles(base: string, head: string): Promise<string[] | null> {
    if (!(await this.fetched(base, head))) return null;
    // Exit 1 with the tree, then the conflicted paths; 0 when it merges cleanly.
    const merged = await git(this.root, [
      'merge-tree',
      '--write-tree',
      '--name-only',
      '--no-messages',
      base,
      head,
    ]);
    if (merged.code > 1) return null;
    return [...new Set(merged.stdout.split('\n').slice(1).filter(Boolean))];
  }
}
