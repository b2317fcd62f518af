import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { SampleProduct } from './plan.ts';

const COLUMNS = [
  'product_id',
  'image_url',
  'name',
  'category',
  'color',
  'pattern',
  'garment',
  'price',
  'product_url',
];

/** The sample catalog as a product CSV (one row per image), its image URLs under `<baseUrl>/images/`. */
export function sampleCatalogCsv(products: SampleProduct[], baseUrl: string): string {
  const root = baseUrl.replace(/\/+$/, '');
  const rows = products.flatMap((p) =>
    p.images.map((image) =>
      [
        p.id,
        `${root}/images/${encodeURIComponent(image.file)}`,
        p.name,
        p.category,
        p.color,
        p.pattern,
        p.type,
        p.price.toFixed(2),
        p.productUrl,
      ]
        .map(csvField)
        .join(','),
    ),
  );
  return `${[COLUMNS.join(','), ...rows].join('\n')}\n`;
}

/** Writes sampleCatalogCsv to `file` (creating its folder) and returns the file's absolute path. */
export async function writeSampleCatalogFile(
  products: SampleProduct[],
  baseUrl: string,
  file: string,
): Promise<string> {
  const target = path.resolve(file);
  await mkdir(path.dirname(target), { recursive: true });
  await writeFile(target, sampleCatalogCsv(products, baseUrl));
  return target;
}

function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}
