import type { Config } from '#core/config.ts';
import type { ModelSpec } from '#core/model-spec.ts';
import { filesFor } from './dtypes.ts';
import { readManifest } from './fetch/manifest.ts';
import { checkFiles, modelDir } from './local-files.ts';
import { DEFAULT_EMBED_MODEL, DEFAULT_SEGMENT_MODEL, knownSize, MODELS } from './registry.ts';

/** One row of `models list`. */
export interface ModelRow {
  id: string;
  task: string;
  size: string;
  licence: string;
  source: string;
  present: string;
  verified: string;
}

const MB = 1_000_000;

/** Total size of a model's files at fp32 (the default precision): exact, approximate (~) or partly unknown (+?). */
export function sizeText(spec: ModelSpec): string {
  let bytes = 0;
  let approximate = false;
  let unknown = false;
  for (const f of filesFor(spec, 'fp32')) {
    const size = knownSize(f);
    if (size === null) unknown = true;
    else {
      bytes += size.bytes;
      approximate ||= !size.exact;
    }
  }
  if (spec.standIn) return 'generated';
  if (bytes === 0) return '?';
  const mb = bytes >= 10 * MB ? Math.round(bytes / MB).toString() : (bytes / MB).toFixed(1);
  return `${approximate ? '~' : ''}${mb} MB${unknown ? ' +?' : ''}`;
}

async function status(spec: ModelSpec, config: Pick<Config, 'modelsDir'>) {
  const dir = modelDir(config.modelsDir, spec);
  const checks = await checkFiles(spec, dir);
  const present = checks.filter((c) => c.state === 'present').length;
  const presentText =
    present === checks.length ? 'yes' : present === 0 ? 'no' : `partly (${present}/${checks.length})`;
  if (spec.standIn) return { present: presentText, verified: 'n/a (generated)' };
  const manifest = await readManifest(dir, spec.id, spec.source.revision);
  const levels = new Map<string, number>();
  for (const c of checks) {
    const entry = manifest.files[c.path];
    if (c.state !== 'present' || !entry || entry.sizeBytes !== c.sizeBytes) continue;
    levels.set(entry.verified, (levels.get(entry.verified) ?? 0) + 1);
  }
  if (levels.size === 0)
    return { present: presentText, verified: present > 0 ? 'no (run models fetch)' : '-' };
  const parts = [...levels].map(([level, n]) => `${n} ${level}`);
  return { present: presentText, verified: parts.join(', ') };
}

/** The rows of `models list`: every registered model, defaults marked with `*`. */
export async function listRows(config: Pick<Config, 'modelsDir'>): Promise<ModelRow[]> {
  const defaults = new Set([DEFAULT_EMBED_MODEL, DEFAULT_SEGMENT_MODEL]);
  return Promise.all(
    MODELS.map(async (m) => ({
      id: `${m.id}${defaults.has(m.id) ? ' *' : ''}`,
      task: m.task,
      size: sizeText(m),
      licence: m.licence.split(' (')[0] ?? m.licence,
      source:
        m.source.baseUrl === null ? m.source.page : `${m.source.page} @ ${m.source.revision.slice(0, 12)}`,
      ...(await status(m, config)),
    })),
  );
}

/** Renders rows as an aligned text table with a header and a legend. */
export function renderTable(rows: ModelRow[]): string {
  const header: ModelRow = {
    id: 'id',
    task: 'task',
    size: 'size',
    licence: 'licence',
    source: 'source',
    present: 'present',
    verified: 'verified files',
  };
  const keys = Object.keys(header) as (keyof ModelRow)[];
  const widths = keys.map((k) => Math.max(...[header, ...rows].map((r) => r[k].length)));
  const line = (r: ModelRow) =>
    keys
      .map((k, i) => r[k].padEnd(widths[i] as number))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line), '', '* default model for its task'].join('\n');
}
