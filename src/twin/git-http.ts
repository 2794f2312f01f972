import { spawn } from 'node:child_process';
import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * Git smart HTTP through `git http-backend`, as a CGI program: real clone, fetch and push
 * against the twin's bare repositories.
 */
export async function serveGit(
  request: IncomingMessage,
  response: ServerResponse,
  options: {
    projectRoot: string;
    pathInfo: string;
    query: string;
    remoteUser: string;
    /** Where the repository's pre-receive hook asks the twin whether a push may land. */
    hookUrl: string;
  },
): Promise<void> {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env['PATH'],
    GIT_PROJECT_ROOT: options.projectRoot,
    GIT_HTTP_EXPORT_ALL: '1',
    PATH_INFO: options.pathInfo,
    QUERY_STRING: options.query,
    REQUEST_METHOD: request.method ?? 'GET',
    CONTENT_TYPE: request.headers['content-type'] ?? '',
    REMOTE_USER: options.remoteUser,
    REMOTE_ADDR: request.socket.remoteAddress ?? '127.0.0.1',
    GIT_HTTP_MAX_REQUEST_BUFFER: '100M',
    AI_SCRUM_TWIN_HOOK_URL: options.hookUrl,
  };
  if (request.headers['content-encoding'])
    env['HTTP_CONTENT_ENCODING'] = String(request.headers['content-encoding']);
  if (request.headers['git-protocol'])
    env['GIT_PROTOCOL'] = String(request.headers['git-protocol']);
  if (request.headers['content-length'])
    env['CONTENT_LENGTH'] = String(request.headers['content-length']);

  const backend = spawn('git', ['http-backend'], { env });
  request.pipe(backend.stdin);
  let stderr = '';
  backend.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));

  let buffered = Buffer.alloc(0);
  let headersDone = false;
  await new Promise<void>((resolve) => {
    backend.stdout.on('data', (chunk: Buffer) => {
      if (headersDone) {
        response.write(chunk);
        return;
      }
      buffered = Buffer.concat([buffered, chunk]);
      const end = buffered.indexOf('\r\n\r\n');
      if (end < 0) return;
      headersDone = true;
      let status = 200;
      for (const line of buffered.subarray(0, end).toString().split('\r\n')) {
        const colon = line.indexOf(':');
        if (colon < 0) continue;
        const name = line.slice(0, colon).trim();
        const value = line.slice(colon + 1).trim();
        if (name.toLowerCase() === 'status') status = Number(value.split(' ')[0]) || 200;
        else response.setHeader(name, value);
      }
      response.statusCode = status;
      response.write(buffered.subarray(end + 4));
    });
    backend.on('close', (code) => {
      if (!headersDone) {
        response.statusCode = 500;
        response.end(`git http-backend failed (${code}): ${stderr}`);
      } else {
        response.end();
      }
      resolve();
    });
    backend.on('error', () => resolve());
  });
}
