import { type Json, jsonBytes } from './asl.ts';
import { MapRunError } from './errors.ts';

/** ItemBatcher limits; 0 or absent means no limit of that kind. */
export interface BatchLimits {
  maxItemsPerBatch?: number;
  maxInputBytesPerBatch?: number;
}

/** One child execution's input and how many items it covers. */
export interface ChildInput {
  input: Json;
  itemCount: number;
}

/**
 * Splits items into child inputs. Batched: `{ Items, BatchInput? }`, filled in order until MaxItemsPerBatch
 * items or MaxInputBytesPerBatch bytes of serialized input would be exceeded; an item that alone exceeds the
 * byte limit fails the Map (`States.ItemReaderFailed`). Unbatched: each item is a child's whole input.
 */
export function childInputs(
  items: Json[],
  batched: boolean,
  limits: BatchLimits,
  batchInput: Json | undefined,
  stateName: string,
): ChildInput[] {
  if (!batched) return items.map((item) => ({ input: item, itemCount: 1 }));
  const maxItems = limits.maxItemsPerBatch || Number.POSITIVE_INFINITY;
  const maxBytes = limits.maxInputBytesPerBatch || Number.POSITIVE_INFINITY;
  const wrap = (batch: Json[]): Json =>
    batchInput === undefined ? { Items: batch } : { Items: batch, BatchInput: batchInput };
  const emptyBytes = jsonBytes(wrap([]));
  const batches: Json[][] = [];
  let current: Json[] = [];
  let currentBytes = emptyBytes;
  items.forEach((item, index) => {
    const itemBytes = jsonBytes(item);
    if (emptyBytes + itemBytes > maxBytes) {
      throw new MapRunError(
        'States.ItemReaderFailed',
        `Distributed Map "${stateName}": item ${index} needs ${emptyBytes + itemBytes} bytes as a batch of one, over MaxInputBytesPerBatch ${maxBytes}`,
      );
    }
    const separator = current.length > 0 ? 1 : 0;
    if (current.length >= maxItems || currentBytes + separator + itemBytes > maxBytes) {
      batches.push(current);
      current = [];
      currentBytes = emptyBytes;
    }
    currentBytes += (current.length > 0 ? 1 : 0) + itemBytes;
    current.push(item);
  });
  if (current.length > 0) batches.push(current);
  return batches.map((batch) => ({ input: wrap(batch), itemCount: batch.length }));
}
