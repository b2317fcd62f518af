import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { encodePut, encodeRecord, LOG_HEADER } from '#adapters/file-vector-store/log-format.ts';
import { FileVectorStore } from '#adapters/file-vector-store.ts';
import { encodeVector } from '#core/vector-codec.ts';
import { CONTRACT_MODEL, product, unit } from '#test/contract/vector-store-contract.ts';
import { tempDirs } from './temp-dirs.ts';

const newDir = tempDirs('vectors-tags');

describe('FileVectorStore auto-tags on disk', () => {
  it('reads a log written before auto-tags, and keeps the tags written later across a restart', async () => {
    // Prepare: a log as the store wrote it before tagging (no autoTags in the doc).
    const dir = await newDir();
    const oldDoc = JSON.stringify({
      images: ['https://img.example/old.jpg'],
      metadata: { color: 'red' },
      imagesUsed: 1,
    });
    await writeFile(
      path.join(dir, 'vectors.log'),
      LOG_HEADER +
        encodeRecord({ t: 'bind', ...CONTRACT_MODEL }) +
        encodePut('old', encodeVector(unit(1, 0, 0, 0)), oldDoc),
    );
    // Act
    const store = await FileVectorStore.open(dir);
    const old = await store.get('old');
    await store.upsert([
      { ...product('new', unit(0, 1, 0, 0)), autoTags: { colour: { value: 'red', margin: 0.03 } } },
    ]);
    await store.close();
    const reopened = await FileVectorStore.open(dir);
    const hits = await reopened.search(unit(1, 1, 0, 0), { k: 5, filter: { tags: { colour: 'red' } } });
    const log = await readFile(path.join(dir, 'vectors.log'), 'utf8');
    await reopened.close();
    // Assess
    expect(old).toMatchObject({ id: 'old', metadata: { color: 'red' } });
    expect(old?.autoTags).toBeUndefined();
    expect(hits.map((h) => [h.record.id, h.record.autoTags])).toEqual([
      ['new', { colour: { value: 'red', margin: 0.03 } }],
    ]);
    expect(log).toContain('"metadata":{},"imagesUsed":1,"autoTags":{"colour":{"value":"red","margin":0.03}}');
  });
});
