import { describe, expect, it } from 'vitest';
import { parseCommandLine } from '#cli/args.ts';

describe('parseCommandLine', () => {
  it('reads ingest with the file as an argument or with --catalog', () => {
    expect(parseCommandLine(['ingest', 'a.csv'])).toMatchObject({
      command: 'ingest',
      catalog: 'a.csv',
      groupSize: 3,
    });
    expect(
      parseCommandLine(['ingest', '--catalog', 'a.csv', '--format', 'urls', '--group-size', '4']),
    ).toMatchObject({ command: 'ingest', catalog: 'a.csv', format: 'urls', groupSize: 4 });
  });

  it('refuses options that do not apply to the command, naming them', () => {
    expect(() => parseCommandLine(['serve', '--catalog', 'a.csv'])).toThrow(
      /--catalog does not apply to serve/,
    );
    expect(() => parseCommandLine(['ingest', 'a.csv', '--skip-ingest'])).toThrow(
      /--skip-ingest does not apply/,
    );
    expect(() => parseCommandLine(['serve', '--prune'])).toThrow(/--prune does not apply to serve/);
  });

  it('refuses bad values and stray arguments', () => {
    expect(() => parseCommandLine(['ingest'])).toThrow(/needs a catalog file/);
    expect(() => parseCommandLine(['ingest', 'a.csv', 'b.csv'])).toThrow(/one catalog file/);
    expect(() => parseCommandLine(['start', 'a.csv'])).toThrow(/unexpected argument "a.csv"; use --catalog/);
    expect(() => parseCommandLine(['ingest', 'a.csv', '--group-size', '2.5'])).toThrow(/--group-size/);
    expect(() => parseCommandLine(['ingest', 'a.csv', '--format', 'xml'])).toThrow(/--format must be one of/);
    expect(() => parseCommandLine(['launch'])).toThrow(/unknown command "launch"/);
  });

  it('lets node report unknown options (the CLI maps them to exit code 2)', () => {
    expect(() => parseCommandLine(['ingest', 'a.csv', '--bogus'])).toThrow(
      expect.objectContaining({ code: 'ERR_PARSE_ARGS_UNKNOWN_OPTION' }),
    );
  });

  it('treats no command as a request for help', () => {
    expect(parseCommandLine([]).command).toBe('help');
    expect(parseCommandLine(['start', '--help']).command).toBe('help');
  });
});
