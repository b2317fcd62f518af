import type { HostPacer } from './host-pacer.ts';

interface Slot {
  active: number;
  waiting: (() => void)[];
}

/**
 * A keyed semaphore: at most `perKey` tasks run at once for each key (a host), first come first served. It
 * carries the process's `pacer` (host-pacer.ts): a task that is about to send a request takes its start from
 * it (a task that finds it need not send takes none).
 * Share one instance across every download of a process so that parallel batches stay polite together.
 */
export class HostLimiter {
  readonly #slots = new Map<string, Slot>();

  constructor(
    readonly perKey: number,
    readonly pacer?: HostPacer,
  ) {
    if (!Number.isInteger(perKey) || perKey < 1) {
      throw new RangeError(`HostLimiter: perKey must be a positive integer, got ${perKey}`);
    }
  }

  /** Runs `task` once a slot for `key` is free, and frees the slot when it settles. */
  async run<T>(key: string, task: () => Promise<T>): Promise<T> {
    await this.#acquire(key);
    try {
      return await task();
    } finally {
      this.#release(key);
    }
  }

  /** Tasks running now for `key` (for progress and tests). */
  active(key: string): number {
    return this.#slots.get(key)?.active ?? 0;
  }

  #acquire(key: string): Promise<void> {
    let slot = this.#slots.get(key);
    if (!slot) {
      slot = { active: 0, waiting: [] };
      this.#slots.set(key, slot);
    }
    if (slot.active < this.perKey) {
      slot.active++;
      return Promise.resolve();
    }
    const queued = slot;
    return new Promise((resolve) => queued.waiting.push(resolve));
  }

  #release(key: string): void {
    const slot = this.#slots.get(key);
    if (!slot) return;
    const next = slot.waiting.shift();
    if (next) {
      next();
      return;
    }
    slot.active--;
    if (slot.active === 0) this.#slots.delete(key);
  }
}
