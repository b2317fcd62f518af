import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { CATALOG_LIMITS } from '#core/catalog/limits.ts';
import { RESERVED_METADATA_KEYS } from '#core/catalog/validate.ts';
import { problemsKey } from '#core/contracts/run-layout.ts';

const doc = () => readFile(new URL('../../docs/catalogs.md', import.meta.url), 'utf8');

describe('docs/catalogs.md', () => {
  it('gives the path the run writes its catalog problems to', async () => {
    // Prepare
    const written = `<data dir>/blobs/${problemsKey('<run id>')}`;

    // Act
    const text = await doc();

    // Assess
    expect(text).toContain(`\`${written}\``);
  });

  it('names every metadata field the search API reserves', async () => {
    // Prepare: RESERVED_METADATA_KEYS

    // Act
    const text = await doc();

    // Assess
    expect(RESERVED_METADATA_KEYS.filter((k) => !text.includes(`\`${k}\``))).toEqual([]);
  });

  it('gives the per-product caps on metadata fields and images, and how many syntax errors are listed', async () => {
    // Prepare
    const caps = [
      `at most ${CATALOG_LIMITS.maxMetadataFields} metadata fields`,
      `first ${CATALOG_LIMITS.maxMetadataFields} metadata`,
      `at most ${CATALOG_LIMITS.maxImagesPerProduct} images`,
      `the first ${CATALOG_LIMITS.maxCsvSyntaxErrorsListed} are listed`,
    ];

    // Act
    const text = (await doc()).replace(/\s+/g, ' ');

    // Assess
    expect(caps.filter((c) => !text.includes(c))).toEqual([]);
  });
});
