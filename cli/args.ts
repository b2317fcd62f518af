import { parseArgs } from 'node:util';
import { CATALOG_LIMITS } from '#core/catalog/index.ts';
import { InputError } from '#core/errors.ts';
import {
  CLOUD_ONLY_WITH,
  CLOUD_OPTIONS,
  type CloudArgs,
  isCloudCommand,
  parseCloudArgs,
} from './cloud-ingest/cloud-args.ts';

/** A parsed command line of start / ingest / serve. */
export interface CommandLine {
  command: 'start' | 'ingest' | 'serve' | 'help';
  catalog?: string;
  format: 'auto' | 'urls' | 'csv' | 'jsonl';
  groupSize: number;
  skipIngest: boolean;
  prune: boolean;
  forceRefresh: boolean;
  embedModel?: string;
  segmentModel?: string;
  /** `--no-segment`: embed each photo as downloaded (no garment mask), e.g. to measure what segmentation adds. */
  noSegment?: boolean;
  /** `ingest --cloud`: start (or watch) an ingestion in the deployed stack instead of running one here. */
  cloud?: CloudArgs;
}

const FORMATS = ['auto', 'urls', 'csv', 'jsonl'] as const;

/** Options that only make sense with some commands. */
const ONLY_WITH: Record<string, readonly string[]> = {
  catalog: ['start', 'ingest'],
  format: ['start', 'ingest'],
  'group-size': ['start', 'ingest'],
  prune: ['start', 'ingest'],
  'force-refresh': ['start', 'ingest'],
  'skip-ingest': ['start'],
  'no-segment': ['start', 'ingest'],
  ...CLOUD_ONLY_WITH,
};

/** Parses and checks the arguments; throws InputError naming the bad option (an unknown one included). */
export function parseCommandLine(argv: string[]): CommandLine {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      catalog: { type: 'string' },
      format: { type: 'string' },
      'group-size': { type: 'string' },
      'skip-ingest': { type: 'boolean' },
      prune: { type: 'boolean' },
      'force-refresh': { type: 'boolean' },
      'embed-model': { type: 'string' },
      'segment-model': { type: 'string' },
      'no-segment': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
      ...CLOUD_OPTIONS,
    },
  });
  const [name, ...rest] = positionals;
  if (values.help || !name || name === 'help') return defaults('help');
  if (name !== 'start' && name !== 'ingest' && name !== 'serve') {
    throw new InputError(`unknown command ${JSON.stringify(name)}; see threadfinder --help`);
  }
  for (const [option, commands] of Object.entries(ONLY_WITH)) {
    if (values[option as keyof typeof values] !== undefined && !commands.includes(name)) {
      throw new InputError(`--${option} does not apply to ${name} (only to ${commands.join(', ')})`);
    }
  }
  if (name === 'ingest' && isCloudCommand(values)) {
    return { ...defaults(name), prune: values.prune === true, cloud: parseCloudArgs(values, rest) };
  }
  let catalog = values.catalog;
  if (name === 'ingest') {
    if (rest.length > 1 || (rest.length === 1 && catalog)) {
      throw new InputError('ingest takes one catalog file (as an argument or with --catalog)');
    }
    catalog ??= rest[0];
    if (!catalog) throw new InputError('ingest needs a catalog file: threadfinder ingest FILE');
  } else if (rest.length > 0) {
    throw new InputError(`unexpected argument ${JSON.stringify(rest[0])}; use --catalog FILE`);
  }
  return {
    ...defaults(name),
    catalog,
    format: parseFormat(values.format ?? 'auto'),
    groupSize: parseGroupSize(values['group-size'] ?? '3'),
    skipIngest: values['skip-ingest'] === true,
    prune: values.prune === true,
    forceRefresh: values['force-refresh'] === true,
    embedModel: values['embed-model'],
    segmentModel: values['segment-model'],
    ...(values['no-segment'] === true && { noSegment: true }),
  };
}

function defaults(command: CommandLine['command']): CommandLine {
  return { command, format: 'auto', groupSize: 3, skipIngest: false, prune: false, forceRefresh: false };
}

function parseFormat(value: string): CommandLine['format'] {
  const found = FORMATS.find((f) => f === value);
  if (!found)
    throw new InputError(`--format must be one of ${FORMATS.join(', ')}, got ${JSON.stringify(value)}`);
  return found;
}

function parseGroupSize(value: string): number {
  const n = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  const most = CATALOG_LIMITS.maxImagesPerProduct;
  if (!Number.isInteger(n) || n < 1 || n > most) {
    throw new InputError(
      `--group-size must be a whole number from 1 to ${most}, got ${JSON.stringify(value)}`,
    );
  }
  return n;
}
