import { describe, expect, it } from 'vitest';
import { StoreLockedError } from '#adapters/file-vector-store/lock.ts';
import { exitCodeOf } from '#cli/cli.ts';
import { EnvironmentFaultError } from '#core/env-fault.ts';
import { InputError, ModelMissingError } from '#core/errors.ts';
import { IngestionRunningError } from '#local/ingest.ts';
import { ModelFetchError } from '#models/fetch/errors.ts';

describe('the exit code of a failed command (cli/usage.ts)', () => {
  it.each([
    ['bad input', new InputError('x.csv:3: bad row'), 2],
    ['a model missing', new ModelMissingError('text_model.onnx not found'), 3],
    [
      'a model start could not fetch (checksum)',
      new ModelFetchError('md5 differs', 'checksum', 'https://m/x'),
      3,
    ],
    ['a model start could not fetch (HTTP 404)', new ModelFetchError('404', 'http', 'https://m/x'), 3],
    [
      'a full disk',
      new EnvironmentFaultError({ kind: 'disk_full', code: 'ENOSPC', path: '/d', action: 'writing' }),
      5,
    ],
    [
      'another ingestion holds the data dir',
      new IngestionRunningError('another ingestion of c.csv is running'),
      7,
    ],
    ['another process holds the index', new StoreLockedError('the index is locked by process 12'), 7],
    ['a crash', new TypeError('x is undefined'), 1],
  ])('%s exits %i', (_, error, code) => {
    expect(exitCodeOf(error)).toBe(code);
  });
});
