import type { BlobStore } from '#core/ports/blob-store.ts';
import { isObject, type Json } from './asl.ts';
import { MapRunError, TerminalStateError } from './errors.ts';

/**
 * Reads the Map's items: the JSON array stored at ItemReader `Key` in the blob store (the local blob store is
 * the bucket; `Bucket` must still be given). An unreadable object fails the Map with `States.ItemReaderFailed`.
 */
export async function readJsonItems(blobs: BlobStore, reader: unknown, stateName: string): Promise<Json[]> {
  const where = `Distributed Map "${stateName}" ItemReader`;
  if (!isObject(reader))
    throw new TerminalStateError('States.Runtime', `${where}: parameters must be an object`);
  if (typeof reader.Bucket !== 'string' || reader.Bucket === '') {
    throw new TerminalStateError('States.Runtime', `${where}: Bucket must be a non-empty string`);
  }
  if (typeof reader.Key !== 'string' || reader.Key === '') {
    throw new TerminalStateError(
      'States.Runtime',
      `${where}: Key must be a non-empty string, got ${JSON.stringify(reader.Key)}`,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(await blobs.get(reader.Key)).toString('utf8'));
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new MapRunError('States.ItemReaderFailed', `${where}: cannot read ${reader.Key}: ${reason}`);
  }
  if (!Array.isArray(parsed)) {
    throw new MapRunError('States.ItemReaderFailed', `${where}: ${reader.Key} does not hold a JSON array`);
  }
  return parsed as Json[];
}
