import { chmodSync, mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { errorMessage } from '../../errors.js';
import { nextWorkingDirectory, runCommand, type CommandResult } from './bash.js';
import { TextEditor } from './editor.js';
import { scrubbedEnv } from './env.js';
import { stripGitCredentials } from './git-config.js';
import { protectedMatcher, ToolInputError } from './paths.js';
import { prepareUserSandbox, type UserSandbox } from './sandbox.js';

export { scrubbedEnv } from './env.js';
export { stripGitCredentials } from './git-config.js';
export { changedProtectedPaths, repositoryMap } from './repository-map.js';
export { AGENT_USER } from './sandbox.js';
export type { CommandResult } from './bash.js';

/** A tool_use block of the model's, as the loop hands it over. */
export interface ToolCall {
  id: string;
  name: string;
  input: Record<string, unknown>;
}

/** What goes back to the model as a tool_result. */
export interface ToolResult {
  content: string;
  isError: boolean;
}

export interface DeveloperToolsOptions {
  /** The workspace (repository checkout). */
  root: string;
  /** Globs (picomatch, dot: true), read-only for the agent. */
  protectedPaths: string[];
  /** Per bash command. */
  commandTimeoutMs: number;
  /** Characters kept of a tool's output (head and tail, with a marker between). */
  outputLimit: number;
  /** The runner's environment; scrubbed to an allowlist. */
  env: NodeJS.ProcessEnv;
  /** 'user': run commands as a separate unprivileged OS user when root or passwordless sudo allows. */
  sandbox: 'none' | 'user';
}

export const BASH_TOOL = 'bash';
export const EDITOR_TOOL = 'str_replace_based_edit_tool';

/**
 * The developer agent's client tools (Anthropic's bash and text editor), executed by us in the
 * workspace: paths confined to it, protected paths read-only for the editor, commands with a
 * scrubbed environment, a timeout and truncated output, optionally as another OS user.
 * See docs/sandbox.md for what this does and does not protect.
 */
export class DeveloperTools {
  readonly sandboxUsed: 'none' | 'user';
  readonly warnings: string[] = [];
  private readonly realRoot: string;
  private readonly base: string;
  private readonly cwdFile: string;
  private readonly env: NodeJS.ProcessEnv;
  private readonly editor: TextEditor;
  private readonly user: UserSandbox | undefined;
  private cwd: string;
  private closed = false;

  constructor(private readonly options: DeveloperToolsOptions) {
    this.realRoot = realpathSync(options.root);
    this.cwd = this.realRoot;
    this.warnings.push(...stripGitCredentials(this.realRoot));

    // base (ours) holds the agent's HOME and TMPDIR, git's empty global config and the state
    // directory where each command records its final working directory.
    this.base = mkdtempSync(path.join(tmpdir(), 'ai-scrum-agent-'));
    const home = path.join(this.base, 'home');
    const tmp = path.join(this.base, 'tmp');
    const state = path.join(this.base, 'state');
    for (const dir of [home, tmp, state]) mkdirSync(dir, { mode: 0o700 });
    const gitConfigGlobal = path.join(state, 'gitconfig');
    writeFileSync(gitConfigGlobal, '');
    this.cwdFile = path.join(state, 'cwd');

    if (options.sandbox === 'user') {
      // The agent passes through base to its own directories, and sees nothing else in it.
      chmodSync(this.base, 0o711);
      const prepared = prepareUserSandbox(this.realRoot, {
        agentOwned: [home, tmp],
        shared: state,
      });
      if (prepared.ok) {
        this.user = prepared.sandbox;
      } else {
        this.warnings.push(
          `sandbox: user is not available (${prepared.reason}); the developer agent's commands run as the runner's user.`,
        );
      }
    }
    this.sandboxUsed = this.user ? 'user' : 'none';

    const env = scrubbedEnv(options.env, { home, tmp, gitConfigGlobal });
    if (this.user) {
      // The workspace belongs to the runner's user: let the agent's git read it.
      Object.assign(env, {
        GIT_CONFIG_COUNT: '1',
        GIT_CONFIG_KEY_0: 'safe.directory',
        GIT_CONFIG_VALUE_0: '*',
      });
    }
    this.env = env;
    this.editor = new TextEditor({
      realRoot: this.realRoot,
      isProtected: protectedMatcher(options.protectedPaths),
      outputLimit: options.outputLimit,
      groupWritable: this.user !== undefined,
    });
  }

  /**
   * Runs one of our own commands that executes the agent's code (QA's test, lint and coverage
   * commands) exactly as the agent's commands run: at the workspace root, as the agent user under
   * `sandbox: user`, with the scrubbed environment, stdin closed, no startup files, and every
   * process it started killed when it exits or times out. The output is not redacted here.
   */
  async runCommand(
    command: string,
    timeoutMs: number,
    outputLimit = 16_000,
  ): Promise<CommandResult> {
    if (this.closed) throw new Error('The tools have been closed.');
    const result = await runCommand({
      command,
      cwd: this.realRoot,
      cwdFile: '/dev/null',
      env: this.env,
      timeoutMs,
      outputLimit,
      prefix: this.user?.prefix(this.env) ?? [],
      ...(this.user ? { umask: '002' } : {}),
      killAll: () => this.user?.killAll(),
    });
    this.user?.reclaim();
    return result;
  }

  /** The tool definitions for the Messages API request. */
  definitions(): Record<string, unknown>[] {
    return [
      { type: 'bash_20250124', name: BASH_TOOL },
      { type: 'text_editor_20250728', name: EDITOR_TOOL, max_characters: this.options.outputLimit },
    ];
  }

  /** Executes one tool call; the model's mistakes come back as error results, never as throws. */
  async run(call: ToolCall): Promise<ToolResult> {
    try {
      if (this.closed) throw new ToolInputError('The tools have been closed.');
      const input = call.input ?? {};
      if (call.name === EDITOR_TOOL) return { content: this.editor.run(input), isError: false };
      if (call.name === BASH_TOOL) return await this.bash(input);
      throw new ToolInputError(
        `Unknown tool ${JSON.stringify(call.name)}: use ${BASH_TOOL} or ${EDITOR_TOOL}.`,
      );
    } catch (error) {
      const message =
        error instanceof ToolInputError ? error.message : `Error: ${errorMessage(error)}`;
      return { content: message, isError: true };
    }
  }

  private async bash(input: Record<string, unknown>): Promise<ToolResult> {
    if (input.restart === true) {
      this.endProcesses();
      this.cwd = this.realRoot;
      return {
        content: 'The bash tool has been restarted (working directory: the workspace root).',
        isError: false,
      };
    }
    const command = input.command;
    if (typeof command !== 'string' || command.trim() === '') {
      throw new ToolInputError(
        'The bash tool needs `command` (a non-empty string) or `restart: true`.',
      );
    }
    rmSync(this.cwdFile, { force: true });
    const result = await runCommand({
      command,
      cwd: this.cwd,
      cwdFile: this.cwdFile,
      env: this.env,
      timeoutMs: this.options.commandTimeoutMs,
      outputLimit: this.options.outputLimit,
      prefix: this.user?.prefix(this.env) ?? [],
      ...(this.user ? { umask: '002' } : {}),
      killAll: () => this.user?.killAll(),
    });
    this.user?.reclaim();
    this.cwd = nextWorkingDirectory(this.realRoot, this.cwdFile);
    let content = result.output === '' ? '(no output)' : result.output;
    if (result.timedOut) {
      const seconds = this.options.commandTimeoutMs / 1000;
      content += `\n[The command timed out after ${seconds} s and was killed, with every process it started.]`;
      return { content, isError: true };
    }
    if (result.exitCode !== 0) content += `\n[exit code ${result.exitCode ?? 'unknown'}]`;
    return { content, isError: false };
  }

  private endProcesses(): void {
    this.user?.killAll();
  }

  /** Ends anything the agent left running, gives its files back, removes the temporary home. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.endProcesses();
    if (this.user) {
      this.user.reclaim();
      this.user.remove(this.base);
    } else {
      rmSync(this.base, { recursive: true, force: true });
    }
  }
}
