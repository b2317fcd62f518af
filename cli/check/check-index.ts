import { existsSync } from 'node:fs';
import path from 'node:path';
import { censusLog } from '#adapters/file-vector-store/census.ts';
import { FileVectorStore } from '#adapters/file-vector-store.ts';
import type { VectorStore } from '#core/ports/vector-store.ts';
import type { AreaResult, Finding } from './findings.ts';
import { indexFindings } from './index-vs-runs.ts';
import type { RunExpectations } from './run-records.ts';

/** The configured embedding model, as an index binds it. */
export interface BoundModel {
  id: string;
  dim: number;
}

/**
 * Replays the index read-only: every damaged line is a finding naming its line, offset and products, and the
 * index must be bound to the configured model. The log is also read through for which products it holds and
 * deleted, and compared with what the runs recorded (`runs`; see indexFindings): products they stored that it
 * lacks, deletions it lost, a bind record --repair can write again. Returns the open store (null when it
 * cannot be read).
 */
export async function checkIndex(
  indexDir: string,
  model: BoundModel,
  runs: RunExpectations = { stored: new Map(), listed: null, prunedBy: null },
): Promise<AreaResult & { store: FileVectorStore | null }> {
  const log = path.join(indexDir, 'vectors.log');
  if (!existsSync(log)) {
    const findings: Finding[] = [
      {
        area: 'index',
        severity: 'warning',
        subject: log,
        fault: 'no index yet: nothing was ingested with this model',
      },
    ];
    return { checked: { indexRecords: 0 }, findings, store: null };
  }
  const census = await censusLog(log).catch(() => null);
  let store: FileVectorStore;
  try {
    store = await FileVectorStore.open(indexDir, { readOnly: true });
  } catch (error) {
    const lostBind = census?.lostBind;
    if (census && lostBind) {
      const findings = indexFindings({ log, lines: census.damaged, census, runs, model: model.id });
      if (lostBind.dim !== model.dim)
        findings.push(mismatch(log, { model: model.id, dim: lostBind.dim }, model));
      return { checked: { indexRecords: census.live.size }, findings, store: null };
    }
    const fault = `cannot be replayed: ${(error as Error).message}`;
    return {
      checked: { indexRecords: 0 },
      findings: [{ area: 'index', severity: 'damage', subject: log, fault }],
      store: null,
    };
  }
  const lines = store.damage()?.lines ?? [];
  const findings = indexFindings({ log, lines, census, runs, model: model.id });
  const info = await store.info();
  if (info && (info.model !== model.id || info.dim !== model.dim)) findings.push(mismatch(log, info, model));
  return { checked: { indexRecords: await store.count() }, findings, store };
}

function mismatch(log: string, info: { model: string; dim: number }, model: BoundModel): Finding {
  return {
    area: 'index',
    severity: 'damage',
    subject: log,
    fault: `bound to model ${info.model} (dim ${info.dim}) but the configured model is ${model.id} (dim ${model.dim}): search refuses it; re-ingest`,
  };
}

/**
 * The remote index (Atlas) as far as a client can see it: it is bound to the configured model, and how many
 * products it holds. Damaged lines are a log's matter; a document Atlas holds but cannot return as a product
 * shows up as a product finding.
 */
export async function checkBinding(
  store: VectorStore,
  where: string,
  model: BoundModel,
): Promise<AreaResult> {
  const info = await store.info();
  const records = await store.count();
  const findings: Finding[] = [];
  if (!info) {
    findings.push({
      area: 'index',
      severity: records > 0 ? 'damage' : 'warning',
      subject: where,
      fault:
        records > 0
          ? `holds ${records} product(s) but is bound to no model: search refuses it; re-ingest`
          : 'no index yet: nothing was ingested with this model',
    });
  } else if (info.model !== model.id || info.dim !== model.dim) {
    findings.push({
      area: 'index',
      severity: 'damage',
      subject: where,
      fault: `bound to model ${info.model} (dim ${info.dim}) but the configured model is ${model.id} (dim ${model.dim}): search refuses it; re-ingest`,
    });
  }
  return { checked: { indexRecords: records }, findings };
}
