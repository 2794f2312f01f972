import { spawn } from 'node:child_process';
import { readFileSync, realpathSync } from 'node:fs';
import { constants } from 'node:os';
import path from 'node:path';
import { OutputCollector } from './output.js';

/**
 * Runs one command of the agent's: a fresh `bash` in the working directory the previous command
 * ended in (the workspace root at first), stdout and stderr merged, in its own process group so a
 * timeout ends everything it started. Only the working directory carries over between commands;
 * variables, functions and background processes do not.
 */
const WRAPPER = [
  'exec 2>&1',
  'cd -- "$1" || exit 1',
  'eval "$2"',
  '__ai_scrum_status=$?',
  'pwd -P > "$3" 2>/dev/null',
  'exit $__ai_scrum_status',
].join('\n');

export interface CommandOptions {
  command: string;
  cwd: string;
  /** Where the wrapper records the working directory the command ended in. */
  cwdFile: string;
  env: NodeJS.ProcessEnv;
  timeoutMs: number;
  outputLimit: number;
  /** Runs bash as another user: a prefix such as `setpriv … --` or `sudo -n -u … --`, and umask. */
  prefix: string[];
  umask?: string;
  /** Ends every process the command may have left (the user sandbox kills all of its user's). */
  killAll: () => void;
}

export interface CommandResult {
  output: string;
  exitCode: number | null;
  timedOut: boolean;
}

function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // The group is already gone.
  }
}

export function runCommand(options: CommandOptions): Promise<CommandResult> {
  const script = options.umask ? `umask ${options.umask}\n${WRAPPER}` : WRAPPER;
  const argv = [
    ...options.prefix,
    'bash',
    // No startup files: neither the runner's nor ones the agent wrote into its HOME.
    '--norc',
    '--noprofile',
    '-c',
    script,
    'bash',
    options.cwd,
    options.command,
    options.cwdFile,
  ];
  const output = new OutputCollector(options.outputLimit);
  return new Promise((resolve) => {
    let timedOut = false;
    let exitCode: number | null = null;
    let settled = false;
    const child = spawn(argv[0]!, argv.slice(1), {
      cwd: options.cwd,
      env: options.env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => output.push(chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => output.push(chunk));
    const finish = () => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearTimeout(drain);
      resolve({ output: output.text(), exitCode, timedOut });
    };
    const endAll = () => {
      killGroup(child.pid);
      options.killAll();
    };
    const timer = setTimeout(() => {
      timedOut = true;
      endAll();
    }, options.timeoutMs);
    let drain: NodeJS.Timeout | undefined;
    child.on('error', (error) => {
      output.push(`Could not start bash: ${error.message}`);
      finish();
    });
    child.on('exit', (code, signal) => {
      exitCode = code ?? (signal ? 128 + signalNumber(signal) : null);
      // Background processes still holding the pipes would keep them open: end them.
      endAll();
      drain = setTimeout(() => {
        child.stdout.destroy();
        child.stderr.destroy();
        finish();
      }, 2000);
    });
    child.on('close', finish);
  });
}

function signalNumber(signal: NodeJS.Signals): number {
  return constants.signals[signal] ?? 0;
}

/** The directory a command ended in, when it is inside the workspace; otherwise the root. */
export function nextWorkingDirectory(realRoot: string, cwdFile: string): string {
  try {
    const recorded = realpathSync(readFileSync(cwdFile, 'utf8').trim());
    if (recorded === realRoot || recorded.startsWith(realRoot + path.sep)) return recorded;
  } catch {
    // No record (the command exited early) or the directory is gone.
  }
  return realRoot;
}
