import { affectedProductIds, type CheckReport, isDamaged } from './findings.ts';

const SHOWN = 20;

/** The summary `check` prints: what was checked, each finding (the first few), and the verdict. */
export function formatCheckReport(report: CheckReport): string {
  const counts = Object.entries(report.checked).map(([what, n]) => `${n} ${what}`);
  const damage = report.findings.filter((f) => f.severity === 'damage');
  const warnings = report.findings.filter((f) => f.severity === 'warning');
  const lines = [
    `Checked ${report.dataDir} in ${(report.elapsedMs / 1000).toFixed(1)} s: ${counts.join(', ')}`,
    ...(report.notes ?? []).map((note) => `  ${note}`),
    ...(report.writerActive
      ? [
          `Note: ${report.writer ?? 'an ingestion holds the index lock'}; what it is writing may show as damage.`,
        ]
      : []),
    ...[...damage, ...warnings]
      .slice(0, SHOWN)
      .map((f) => `  ${f.severity} [${f.area}] ${f.subject}: ${f.fault}`),
    ...(report.findings.length > SHOWN ? [`  ... and ${report.findings.length - SHOWN} more`] : []),
  ];
  if (!isDamaged(report)) {
    lines.push(`OK: no damage found${warnings.length ? ` (${warnings.length} warning(s))` : ''}.`);
    return lines.join('\n');
  }
  const products = affectedProductIds(report.findings);
  lines.push(
    `DAMAGED: ${damage.length} finding(s)${warnings.length ? `, ${warnings.length} warning(s)` : ''}; ${products.length} product(s) affected.`,
    report.remedy ??
      'Run `threadfinder check --repair` to set the damage aside and write a catalog of the affected products, then ingest that catalog.',
  );
  return lines.join('\n');
}
