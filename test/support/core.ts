import type { ActionsCore } from '../../src/entrypoints/run-action.js';

/** A stand-in for `@actions/core` that reads inputs from a record and keeps what the action said. */
export function recordingCore(inputs: Record<string, string>) {
  const said: { level: string; message: string }[] = [];
  const failures: string[] = [];
  const outputs: Record<string, string> = {};
  const summaries: string[] = [];
  const core: ActionsCore = {
    getInput: (name: string) => inputs[name] ?? '',
    setFailed: (message: string | Error) => {
      failures.push(String(message));
    },
    setOutput: (name: string, value: unknown) => {
      outputs[name] = String(value);
    },
    summary: {
      addRaw(text: string) {
        summaries.push(text);
        return { write: async () => undefined };
      },
    },
    debug: (message: string) => said.push({ level: 'debug', message }),
    info: (message: string) => said.push({ level: 'info', message }),
    warning: (message: string | Error) => said.push({ level: 'warning', message: String(message) }),
    error: (message: string | Error) => said.push({ level: 'error', message: String(message) }),
  };
  return { core, said, failures, outputs, summaries };
}
