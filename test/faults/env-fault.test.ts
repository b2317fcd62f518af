import { describe, expect, it } from 'vitest';
import { EnvironmentFaultError, environmentFaultOf, isEnvironmentFault } from '#core/env-fault.ts';
import { ThreadfinderError } from '#core/errors.ts';
import { FAULT_CASES, systemError } from './system-error.ts';

describe('environmentFaultOf', () => {
  it.each(FAULT_CASES)('classifies $code as $kind, naming the path, the fault and the remedy', (c) => {
    // Prepare
    const error = systemError(c.code, 'write', '/data/blobs/masked/a.png');
    // Act
    const fault = environmentFaultOf(error);
    // Assess
    expect(fault).toBeInstanceOf(EnvironmentFaultError);
    expect(fault).toMatchObject({ name: 'EnvironmentFault', kind: c.kind, code: c.code, cause: error });
    expect(fault?.message).toMatch(c.words);
    expect(fault?.message).toContain('/data/blobs/masked/a.png');
  });

  it('is undefined for errors that are not the machine’s fault', () => {
    for (const error of [
      systemError('ENOENT', 'open', '/x'),
      systemError('EIO', 'read', '/x'),
      new Error('Input buffer contains unsupported image format'),
      'a string',
      undefined,
      Object.assign(new Error('odd'), { code: 'constructor' }),
    ]) {
      expect(environmentFaultOf(error)).toBeUndefined();
      expect(isEnvironmentFault(error)).toBe(false);
    }
  });

  it('finds the fault in a cause chain, keeping the path of the innermost error that names one', () => {
    // Prepare: a store wraps a write on an open file, which names no path
    const inner = systemError('ENOSPC', 'write');
    const wrapped = new ThreadfinderError('cannot append to /data/index/m/vectors.log: no space', {
      cause: inner,
    });
    // Act
    const unnamed = environmentFaultOf(wrapped);
    const named = environmentFaultOf(wrapped, { pathIfUnnamed: '/data/index' });
    // Assess
    expect(unnamed?.message).toBe(
      'disk full while writing (no path given): free space, or inodes if df -i shows none left, and run the same command again',
    );
    expect(named?.message).toBe(
      'disk full while writing /data/index: free space, or inodes if df -i shows none left, and run the same command again',
    );
  });

  it('prefers the site’s path and action over the system error’s', () => {
    const error = systemError('EROFS', 'open', '/data/blobs/.tf-partial-123');
    const fault = environmentFaultOf(error, { path: '/data/blobs/originals/x.jpg', action: 'writing' });
    expect(fault?.message).toMatch(/^read-only file system while writing \/data\/blobs\/originals\/x\.jpg: /);
  });

  it('derives the action from the system call', () => {
    expect(environmentFaultOf(systemError('EACCES', 'scandir', '/d'))?.action).toBe('reading');
    expect(environmentFaultOf(systemError('EACCES', 'open', '/d'))?.action).toBe('opening');
    expect(environmentFaultOf(systemError('ENOSPC', 'mkdir', '/d'))?.action).toBe('writing');
  });

  it('returns an EnvironmentFaultError as it is, wherever it sits in the chain', () => {
    const fault = environmentFaultOf(systemError('EMFILE', 'open', '/a')) as EnvironmentFaultError;
    const outer = new Error('batch failed', { cause: fault });
    expect(environmentFaultOf(outer, { path: '/elsewhere' })).toBe(fault);
  });
});
