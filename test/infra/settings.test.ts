import { describe, expect, it } from 'vitest';
import { readSettings } from '../../infra/settings.ts';

const from = (values: Record<string, unknown>) => readSettings((key) => values[key]);

describe('deployment settings (cdk context)', () => {
  it('has defaults that deploy the best published models with a weekly re-ingestion', () => {
    const settings = from({});
    expect(settings.embedModel).toBe('marqo-fashion-siglip');
    expect(settings.segmentModel).toBe('u2net_cloth_seg');
    expect(settings.schedule).toBe('cron(0 3 ? * SUN *)');
    expect(settings.mongoSecretArn).toBeUndefined();
  });

  it('reads `-c key=value` strings as numbers where numbers are meant', () => {
    expect(from({ batchSize: '8', maxConcurrency: '40' })).toMatchObject({
      batchSize: 8,
      maxConcurrency: 40,
    });
  });

  it('refuses bad values, naming every bad key', () => {
    const attempt = () =>
      from({ batchSize: '0', embedModel: 'test-clip', schedule: 'every sunday', logRetentionDays: '31' });
    expect(attempt).toThrow(/batchSize/);
    expect(attempt).toThrow(/embedModel/);
    expect(attempt).toThrow(/schedule/);
    expect(attempt).toThrow(/logRetentionDays/);
  });
});
