/** Memoises an async factory; a rejected attempt is forgotten so the next call tries again. */
export function lazy<T>(factory: () => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | undefined;
  return () => {
    pending ??= factory().catch((error: unknown) => {
      pending = undefined;
      throw error;
    });
    return pending;
  };
}

/** Accepts either ready dependencies or a factory for them, and returns a memoised getter. */
export function depsGetter<T>(deps: T | (() => Promise<T>)): () => Promise<T> {
  return typeof deps === 'function' ? lazy(deps as () => Promise<T>) : () => Promise.resolve(deps);
}
