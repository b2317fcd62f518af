import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_MONGO_INDEX, loadConfig } from '#core/config.ts';
import { CLOUD_ENV } from '#core/env-names.ts';
import { REPO_ROOT } from '#infra/function-code.ts';
import { readSettings } from '#infra/settings.ts';
import { logicalId, synthStack } from './synth.ts';

/** Every .ts file under the folders that run in the cloud or configure it. */
function sources(): string[] {
  return ['adapters', 'cloud', 'core', 'functions', 'infra'].flatMap((dir) =>
    readdirSync(path.join(REPO_ROOT, dir), { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.ts'))
      .map((f) => path.join(dir, f)),
  );
}

describe('the Atlas index name', () => {
  it('defaults to one constant in the stack settings, the Lambda config and the deployed environment', () => {
    expect(readSettings(() => undefined).mongoIndex).toBe(DEFAULT_MONGO_INDEX);
    expect(loadConfig({}).cloud.mongoIndex).toBe(DEFAULT_MONGO_INDEX);
    const { template } = synthStack();
    for (const stage of ['Aggregate', 'Search']) {
      const id = logicalId(template, 'AWS::Lambda::Function', `Functions${stage}`);
      const env = template.toJSON().Resources[id].Properties.Environment.Variables;
      expect(env[CLOUD_ENV.mongoIndex], stage).toBe(DEFAULT_MONGO_INDEX);
    }
  });

  it('is written as a literal only in core/config.ts (the adapter uses the constant)', () => {
    const literal = new RegExp(`'${DEFAULT_MONGO_INDEX}'|'threadfinder_vectors'`);
    const holders = sources().filter((file) =>
      literal.test(readFileSync(path.join(REPO_ROOT, file), 'utf8')),
    );
    expect(holders).toEqual([path.join('core', 'config.ts')]);
    const adapter = readFileSync(path.join(REPO_ROOT, 'adapters', 'mongo-vector-store.ts'), 'utf8');
    expect(adapter).toMatch(/indexName \?\? DEFAULT_MONGO_INDEX/);
  });
});
