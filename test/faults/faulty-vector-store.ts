import { ThreadfinderError } from '#core/errors.ts';
import type { VectorStore } from '#core/ports/vector-store.ts';
import { systemError } from './system-error.ts';

/**
 * `store`, whose upserts fail while `faulty.on` as a full disk makes the file store's log append fail: a
 * ThreadfinderError wrapping a `write` ENOSPC that names no path. Every other call goes to the real store.
 */
export function faultyUpserts(store: VectorStore): {
  store: VectorStore;
  faulty: { on: boolean; upserts: number };
} {
  const faulty = { on: true, upserts: 0 };
  const wrapped = new Proxy(store, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target);
      if (property !== 'upsert' || typeof value !== 'function') {
        return typeof value === 'function' ? value.bind(target) : value;
      }
      return async (...args: unknown[]) => {
        faulty.upserts++;
        if (faulty.on) {
          const cause = systemError('ENOSPC', 'write');
          throw new ThreadfinderError(`cannot append to the store's log: ${cause.message}`, { cause });
        }
        return value.apply(target, args);
      };
    },
  });
  return { store: wrapped, faulty };
}
