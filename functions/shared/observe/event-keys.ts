/** The log keys of a stage event: run id, the batch (its first product id) and its size, when present. */
export function eventKeys(event: unknown): Record<string, string | number> {
  if (typeof event !== 'object' || event === null) return {};
  const e = event as {
    runId?: unknown;
    BatchInput?: { runId?: unknown };
    items?: { id?: unknown }[];
    Items?: { id?: unknown }[];
    input?: { catalogKey?: unknown };
  };
  const keys: Record<string, string | number> = {};
  const runId = e.runId ?? e.BatchInput?.runId;
  if (typeof runId === 'string') keys.runId = runId;
  const items = Array.isArray(e.items) ? e.items : Array.isArray(e.Items) ? e.Items : undefined;
  if (items) {
    keys.products = items.length;
    const first = items[0]?.id;
    // The Map gives a child no index: a batch is named by its first product id.
    if (typeof first === 'string') keys.batch = first;
  }
  if (typeof e.input?.catalogKey === 'string') keys.catalogKey = e.input.catalogKey;
  return keys;
}
