import { describe, expect, it } from 'vitest';
import { parseCommandLine } from '#cli/args.ts';

const ARN = 'arn:aws:states:eu-west-1:123456789012:execution:tf-ingest:run-1';

describe('parseCommandLine with --cloud', () => {
  it('reads a catalog as an argument or with --catalog, local or s3://', () => {
    expect(parseCommandLine(['ingest', '--cloud', 'a.csv'])).toMatchObject({
      command: 'ingest',
      prune: false,
      cloud: { catalog: 'a.csv' },
    });
    expect(
      parseCommandLine(['ingest', '--cloud', '--catalog', 's3://b-1/catalogs/a.csv', '--prune']),
    ).toMatchObject({
      prune: true,
      cloud: { catalog: 's3://b-1/catalogs/a.csv' },
    });
  });

  it('reads the stack flags and the poll interval', () => {
    const line = parseCommandLine([
      'ingest',
      'a.csv',
      '--cloud',
      '--state-machine',
      'arn:sm',
      '--bucket',
      'data-b',
      '--interval',
      '2.5',
    ]);

    expect(line.cloud).toEqual({
      catalog: 'a.csv',
      stateMachineArn: 'arn:sm',
      bucket: 'data-b',
      pollIntervalMs: 2500,
      watch: undefined,
    });
  });

  it('reads --watch without a catalog', () => {
    expect(parseCommandLine(['ingest', '--cloud', '--watch', ARN]).cloud).toMatchObject({ watch: ARN });
  });

  it('leaves a plain ingest local', () => {
    expect(parseCommandLine(['ingest', 'a.csv']).cloud).toBeUndefined();
  });

  it.each([
    [['ingest', 'a.csv', '--bucket', 'b'], /--bucket needs --cloud/],
    [['ingest', '--watch', ARN], /--watch needs --cloud/],
    [['serve', '--cloud'], /--cloud does not apply to serve/],
    [['start', '--watch', ARN], /--watch does not apply to start/],
    [['ingest', '--cloud'], /ingest --cloud needs a catalog/],
    [['ingest', '--cloud', 'a.csv', 'b.csv'], /takes one catalog/],
    [['ingest', '--cloud', '--catalog', 'a.csv', 'b.csv'], /takes one catalog/],
    [['ingest', '--cloud', 'a.csv', '--watch', ARN], /--watch re-attaches .* no catalog/],
    [['ingest', '--cloud', '--watch', ARN, '--prune'], /no --prune/],
    [['ingest', '--cloud', 'a.csv', '--format', 'csv'], /--format does not apply to ingest --cloud/],
    [['ingest', '--cloud', 'a.csv', '--embed-model', 'x'], /--embed-model does not apply to ingest --cloud/],
    [
      ['ingest', '--cloud', 'a.csv', '--interval', '0'],
      /--interval must be a number of seconds from 1 to 300/,
    ],
    [['ingest', '--cloud', 'a.csv', '--interval', 'soon'], /--interval must be/],
  ])('refuses %j', (argv, message) => {
    expect(() => parseCommandLine(argv)).toThrow(message);
  });

  it('lets node refuse unknown options', () => {
    expect(() => parseCommandLine(['ingest', '--clowd', 'a.csv'])).toThrow(
      expect.objectContaining({ code: 'ERR_PARSE_ARGS_UNKNOWN_OPTION' }),
    );
    expect(() => parseCommandLine(['ingest', '--cloud', '--watch'])).toThrow(
      expect.objectContaining({ code: 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' }),
    );
  });
});
