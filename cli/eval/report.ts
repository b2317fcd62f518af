import type { EmbedSettings } from '#core/ports/vector-store.ts';
import type { AttributeRow, EvalResult, Skipped } from './run-eval.ts';
import type { TagAccuracy, TagRow } from './tag-accuracy.ts';

const f3 = (x: number) => x.toFixed(3);
const isSkipped = (x: object): x is Skipped => 'skipped' in x;

/** One line per distinct settings record: what produced the index's vectors. */
export function settingsText(settings: EmbedSettings[]): string[] {
  if (settings.length === 0) return ['  (not recorded: ingested before per-image vectors were kept)'];
  return settings.map((s) => {
    const seg =
      s.segment === false ? 'off (photos as downloaded)' : s.segment ? `${s.segmentModel ?? '?'}` : '?';
    const classes = s.garmentClasses ? ` [${s.garmentClasses.join(',')}]` : '';
    return `  embed ${s.embedModel}, segmentation ${seg}${classes}, background ${s.background ?? '?'}, fit ${s.imageFit ?? '?'}`;
  });
}

function attributeLines(rows: AttributeRow[]): string[] {
  const head = `  ${'template'.padEnd(28)} ${'queries'.padStart(7)}    P@1    P@5   P@10   R@10`;
  const line = (r: AttributeRow) =>
    `  ${r.template.padEnd(28)} ${String(r.queries).padStart(7)}  ${[r.precisionAt1, r.precisionAt5, r.precisionAt10, r.recallAt10].map(f3).join('  ')}`;
  return [head, ...rows.map(line)];
}

function tagLines(tags: TagAccuracy): string[] {
  const head = `  ${'group'.padEnd(10)} ${'column'.padEnd(14)} ${'products'.padStart(8)} ${'compared'.padStart(8)} ${'tagged'.padStart(6)}  coverage  agreement  chance`;
  const line = (r: TagRow) =>
    `  ${r.group.padEnd(10)} ${r.columns.join(',').padEnd(14)} ${String(r.products).padStart(8)} ${String(r.comparable).padStart(8)} ${String(r.tagged).padStart(6)}  ${f3(r.coverage).padStart(8)}  ${(r.tagged ? f3(r.agreement) : '-').padStart(9)}  ${f3(r.chance).padStart(6)}`;
  const unknown = tags.rows
    .filter((r) => r.notInVocabulary.length > 0)
    .map(
      (r) =>
        `  ${r.group}: ${r.products - r.comparable} not compared, the vocabulary has no ${r.notInVocabulary.map((v) => JSON.stringify(v)).join(', ')}`,
    );
  const margins = tags.byMargin
    .map((m) => `>=${m.margin}: ${m.tagged} tags${m.tagged ? `, ${f3(m.agreement)}` : ''}`)
    .join('; ');
  return [
    head,
    ...tags.rows.map(line),
    line(tags.all),
    ...unknown,
    `  Agreement by margin over the runner-up: ${margins}`,
  ];
}

/** The four tables `threadfinder eval` prints. */
export function renderEval(result: EvalResult): string {
  const { index, view, attributes, labelled } = result;
  const out = [
    `Index: ${index.products} products, model ${index.model} (${index.dim}-d). Settings that produced it:`,
    ...settingsText(index.settings),
    '',
  ];
  if (isSkipped(view)) out.push(`View consistency: skipped (${view.skipped})`);
  else {
    out.push(
      `View consistency (no labels): ${view.queries} queries (of ${view.eligible} products with 2+ images); one image is the query, its product is the mean of its other images`,
      '  recall@1  recall@5  recall@10  MRR@10',
      `  ${[view.recallAt1, view.recallAt5, view.recallAt10, view.mrr].map((x) => f3(x).padStart(8)).join('  ')}`,
    );
  }
  out.push('');
  if (isSkipped(attributes)) out.push(`Attribute queries: skipped (${attributes.skipped})`);
  else {
    out.push(
      `Attribute queries from metadata: ${attributes.all.queries} queries through the search path; relevant = every attribute of the query matches`,
      ...attributeLines([...attributes.rows, attributes.all]),
    );
  }
  out.push('');
  if (isSkipped(labelled)) out.push(`Labelled queries: skipped (${labelled.skipped})`);
  else {
    out.push(
      `Labelled queries from ${labelled.source}: ${labelled.queries} queries${labelled.relevantNotStored ? ` (${labelled.relevantNotStored} relevant ids are not in the index)` : ''}`,
      '  recall@1  recall@5  recall@10  MRR@10  nDCG@10',
      `  ${[labelled.recallAt1, labelled.recallAt5, labelled.recallAt10, labelled.mrr, labelled.ndcgAt10].map((x) => f3(x).padStart(8)).join('  ')}`,
    );
  }
  out.push('');
  const tags = result.tags;
  if (tags === undefined || isSkipped(tags))
    out.push(`Tag accuracy: skipped (${tags?.skipped ?? 'not measured'})`);
  else {
    out.push(
      `Tag accuracy: auto-tags against the catalog's own columns; agreement = the tag is the column's value (tags kept only above THREADFINDER_TAG_MARGIN)`,
      ...tagLines(tags),
    );
  }
  out.push(
    '',
    `Time: ${result.ms.total} ms (view ${result.ms.view}, attributes ${result.ms.attributes}, labelled ${result.ms.labelled})`,
  );
  return out.join('\n');
}

/** Every number of a result, by a stable name (for --compare). */
function numbers(result: EvalResult): Map<string, number> {
  const out = new Map<string, number>();
  const { view, attributes, labelled } = result;
  if (!isSkipped(view)) {
    out.set('view queries', view.queries);
    for (const k of ['recallAt1', 'recallAt5', 'recallAt10', 'mrr'] as const) out.set(`view ${k}`, view[k]);
  }
  if (!isSkipped(attributes)) {
    for (const r of [...attributes.rows, attributes.all]) {
      for (const k of ['queries', 'precisionAt1', 'precisionAt5', 'precisionAt10', 'recallAt10'] as const)
        out.set(`attr ${r.template} ${k}`, r[k]);
    }
  }
  if (!isSkipped(labelled)) {
    for (const k of ['queries', 'recallAt1', 'recallAt5', 'recallAt10', 'mrr', 'ndcgAt10'] as const)
      out.set(`labelled ${k}`, labelled[k]);
  }
  const tags = result.tags;
  if (tags !== undefined && !isSkipped(tags)) {
    for (const r of [...tags.rows, tags.all]) {
      out.set(`tags ${r.group} coverage`, r.coverage);
      out.set(`tags ${r.group} agreement`, r.agreement);
    }
  }
  return out;
}

/**
 * What makes B - A not like for like: a stand-in result, another catalog (product count), or other queries (a
 * section's query count differs). Comparing models or settings on one catalog and query set is what --compare
 * is for.
 */
function compareWarnings(
  a: EvalResult,
  b: EvalResult,
  na: Map<string, number>,
  nb: Map<string, number>,
): string[] {
  const out: string[] = [];
  const standIn = (r: EvalResult) => (r as { standIn?: unknown }).standIn === true;
  if (standIn(a) || standIn(b)) {
    out.push(
      `STAND-IN MODELS in ${[standIn(a) && 'A', standIn(b) && 'B'].filter(Boolean).join(' and ')}: those numbers are meaningless.`,
    );
  }
  if (a.index.products !== b.index.products) {
    out.push(
      `Note: A ranked ${a.index.products} products, B ${b.index.products}: not the same catalog, so B - A is not like for like.`,
    );
  }
  const differing = [...na.keys()].filter(
    (k) => k.endsWith('queries') && nb.has(k) && na.get(k) !== nb.get(k),
  );
  if (differing.length > 0) {
    const which = differing
      .map((k) => `${k.replace(/ queries$/, '')} (${na.get(k)} vs ${nb.get(k)})`)
      .join(', ');
    out.push(`Note: the query counts differ for ${which}: those rows do not measure the same queries.`);
  }
  return out.length > 0 ? ['', ...out] : [];
}

/** Two results side by side: each number in A and B and B - A. */
export function renderCompare(a: EvalResult, b: EvalResult, names: [string, string]): string {
  const [na, nb] = [numbers(a), numbers(b)];
  const keys = [...new Set([...na.keys(), ...nb.keys()])];
  // Query counts print as whole numbers, metrics with three decimals.
  const num = (x: number, count: boolean) => (count ? String(x) : f3(x));
  const cell = (x: number | undefined, count: boolean) => (x === undefined ? '-' : num(x, count)).padStart(8);
  const width = Math.max(...keys.map((k) => k.length), 6);
  const lines = [
    `A: ${names[0]}`,
    ...settingsText(a.index.settings),
    `B: ${names[1]}`,
    ...settingsText(b.index.settings),
    ...compareWarnings(a, b, na, nb),
    '',
    `${'metric'.padEnd(width)} ${'A'.padStart(8)} ${'B'.padStart(8)} ${'B - A'.padStart(8)}`,
  ];
  for (const k of keys) {
    const x = na.get(k);
    const y = nb.get(k);
    const count = k.endsWith('queries');
    const d = x !== undefined && y !== undefined ? y - x : undefined;
    const delta = d === undefined ? '-' : `${d > 0 ? '+' : ''}${num(d, count)}`;
    lines.push(`${k.padEnd(width)} ${cell(x, count)} ${cell(y, count)} ${delta.padStart(8)}`);
  }
  return lines.join('\n');
}
