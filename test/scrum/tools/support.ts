import { mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  DeveloperTools,
  type DeveloperToolsOptions,
  type ToolResult,
} from '../../../src/scrum/tools/index.js';

/** Temporary directories and tools made by a test, removed after it. */
export class Scratch {
  private readonly dirs: string[] = [];
  private readonly tools: DeveloperTools[] = [];

  dir(prefix = 'ai-scrum-tools-'): string {
    const dir = realpathSync(mkdtempSync(path.join(tmpdir(), prefix)));
    this.dirs.push(dir);
    return dir;
  }

  developerTools(options: Partial<DeveloperToolsOptions> & { root: string }): DeveloperTools {
    const tools = new DeveloperTools({
      protectedPaths: ['.github/**'],
      commandTimeoutMs: 10_000,
      outputLimit: 10_000,
      env: { PATH: process.env.PATH },
      sandbox: 'none',
      ...options,
    });
    this.tools.push(tools);
    return tools;
  }

  async cleanup(): Promise<void> {
    for (const tools of this.tools.splice(0)) await tools.close();
    for (const dir of this.dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  }
}

let ids = 0;

export function edit(tools: DeveloperTools, input: Record<string, unknown>): Promise<ToolResult> {
  return tools.run({ id: `toolu_${++ids}`, name: 'str_replace_based_edit_tool', input });
}

export function bash(tools: DeveloperTools, command: string): Promise<ToolResult> {
  return tools.run({ id: `toolu_${++ids}`, name: 'bash', input: { command } });
}
