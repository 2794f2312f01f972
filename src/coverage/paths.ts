import { posix } from 'node:path';

const DRIVE = /^[A-Za-z]:\//;

/**
 * A report's file name as a repository-relative path with forward slashes: Windows separators
 * become `/`, `./` and `..` segments are resolved, and an absolute path under `root` becomes
 * relative to it. An absolute path outside `root` stays absolute, so that it matches nothing in a
 * diff rather than the wrong file.
 */
export function normalisePath(path: string, root?: string): string {
  let normal = clean(path.startsWith('file://') ? fileUrlPath(path) : path);
  if (root !== undefined && isAbsolutePath(normal)) {
    const base = clean(root).replace(/\/+$/, '');
    const relative = relativeTo(normal, base);
    if (relative !== undefined) normal = relative;
  }
  return normal === '.' ? '' : normal;
}

export function isAbsolutePath(path: string): boolean {
  return path.startsWith('/') || path.startsWith('\\') || DRIVE.test(path.replace(/\\/g, '/'));
}

/** Joins a report's source root and a file named relative to it. */
export function joinPath(base: string, path: string): string {
  return clean(posix.join(base.replace(/\\/g, '/'), path.replace(/\\/g, '/')));
}

function clean(path: string): string {
  const slashed = path.replace(/\\/g, '/');
  // posix.normalize would keep a leading `//` as is; a UNC or doubled slash means the same file.
  const normal = posix.normalize(slashed.replace(/^\/{2,}/, '/'));
  return normal.startsWith('./') ? normal.slice(2) : normal;
}

function relativeTo(path: string, base: string): string | undefined {
  // Windows file systems ignore case, so a drive path compares without it.
  const windows = DRIVE.test(base) || DRIVE.test(path);
  const [p, b] = windows ? [path.toLowerCase(), base.toLowerCase()] : [path, base];
  if (b === '' || b === '/') return path.replace(/^\/+/, '');
  if (p === b) return '';
  if (p.startsWith(`${b}/`)) return path.slice(base.length + 1);
  return undefined;
}

function fileUrlPath(url: string): string {
  try {
    const pathname = decodeURIComponent(new URL(url).pathname);
    return /^\/[A-Za-z]:\//.test(pathname) ? pathname.slice(1) : pathname;
  } catch {
    return url;
  }
}
