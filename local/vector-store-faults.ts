import { environmentFaultOf } from '#core/env-fault.ts';
import type { VectorStore } from '#core/ports/vector-store.ts';

/**
 * `store`, with its environment faults (disk full, ...) thrown as EnvironmentFaultError naming their path, or
 * `dir` when the system error names none (a failed append to the store's log is a write on an open file).
 * Every method that returns a promise is covered, whatever the port grows.
 */
export function namingStoreFaults(store: VectorStore, dir: string): VectorStore {
  return new Proxy(store, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        const result: unknown = value.apply(target, args);
        if (!(result instanceof Promise)) return result;
        return result.catch((error: unknown) => {
          throw environmentFaultOf(error, { pathIfUnnamed: dir }) ?? error;
        });
      };
    },
  });
}
