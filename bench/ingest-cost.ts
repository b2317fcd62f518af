// npm run bench:ingest -- [--products 60] [--keep DIR] [--profile FILE.cpuprofile]
// What an ingestion costs outside the models, with the stand-in models (bench/ingest-cost/measure.ts). Run it
// from two checkouts to compare versions.
import { parseArgs } from 'node:util';
import { measureIngestCost } from '#bench/ingest-cost/measure.ts';

const { values } = parseArgs({
  options: {
    products: { type: 'string', default: '60' },
    keep: { type: 'string' },
    /** Writes a CPU profile (.cpuprofile) of the measured ingest only, main thread. */
    profile: { type: 'string' },
  },
});
const cost = await measureIngestCost({
  products: Number(values.products),
  keep: values.keep,
  profile: values.profile,
});
for (const line of cost.lines) console.log(line);
