/** A system error shaped as Node's fs module throws it: `code`, `errno`, `syscall` and (when given) `path`. */
export function systemError(code: string, syscall: string, path?: string): NodeJS.ErrnoException {
  const error: NodeJS.ErrnoException = new Error(
    `${code}: injected fault, ${syscall}${path === undefined ? '' : ` '${path}'`}`,
  );
  error.code = code;
  error.errno = -1;
  error.syscall = syscall;
  if (path !== undefined) error.path = path;
  return error;
}

/** The environment fault codes, each with the words its message must carry. */
export const FAULT_CASES = [
  {
    code: 'ENOSPC',
    kind: 'disk_full',
    words:
      /^disk full while writing .*: free space, or inodes if df -i shows none left, and run the same command again$/,
  },
  { code: 'EROFS', kind: 'read_only', words: /^read-only file system while writing .*: make it writable/ },
  {
    code: 'EACCES',
    kind: 'permission_denied',
    words: /^permission denied while writing .*: give this user access/,
  },
  { code: 'EPERM', kind: 'permission_denied', words: /^permission denied while writing / },
  {
    code: 'EMFILE',
    kind: 'too_many_open_files',
    words: /^too many open files while writing .*: raise the open-file limit/,
  },
] as const;
