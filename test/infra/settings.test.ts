import { describe, expect, it } from 'vitest';
import { readSettings } from '#infra/settings.ts';
import { cdkJsonContext } from '#local/ingest-definition.ts';
import { logicalId, synthStack } from './synth.ts';

const from = (values: Record<string, unknown>) => readSettings((key) => values[key]);

describe('deployment settings (cdk context)', () => {
  it('has defaults that deploy the best published models, with no schedule (no catalog exists yet)', () => {
    const settings = from({});
    expect(settings.embedModel).toBe('marqo-fashion-siglip');
    expect(settings.segmentModel).toBe('u2net_cloth_seg');
    expect(settings.schedule).toBe('none');
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

describe('unknown context keys', () => {
  const withKeys = (values: Record<string, unknown>) =>
    readSettings((key) => values[key], Object.keys(values));

  it('refuses a misspelt setting and lists the valid keys', () => {
    const attempt = () => withKeys({ batchsize: '50' });
    expect(attempt).toThrow(/unknown deployment setting \(cdk context\): batchsize/);
    expect(attempt).toThrow(/valid keys: .*batchSize.*maxConcurrency.*stackName/);
  });

  it("leaves CDK's own keys alone: feature flags, CLI keys, lookups, notices, telemetry", () => {
    const settings = withKeys({
      '@aws-cdk/aws-stepfunctions:useDistributedMapResultWriterV2': true,
      'aws:cdk:bundling-stacks': [],
      'availability-zones:account=123456789012:region=eu-west-1': ['eu-west-1a'],
      notices: false,
      'cli-telemetry': false,
      'acknowledged-issue-numbers': [1234],
      stackName: 'Shop',
      batchSize: '30',
    });
    expect(settings.batchSize).toBe(30);
  });

  it('refuses a typo given with -c to the synthesized app', () => {
    expect(() => synthStack({ 'batch-size': '50' })).toThrow(/batch-size; valid keys/);
  });

  it("accepts cdk.json's whole context", () => {
    expect(() => withKeys(cdkJsonContext())).not.toThrow();
  });
});

describe('the MongoDB secret settings', () => {
  const secret = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:shop/mongo-AbC123';
  const key = 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';

  it('accepts a complete secret ARN and a KMS key ARN', () => {
    expect(from({ mongoSecretArn: secret, mongoSecretKmsKeyArn: key })).toMatchObject({
      mongoSecretArn: secret,
      mongoSecretKmsKeyArn: key,
    });
  });

  it('refuses a partial secret ARN (no -XXXXXX suffix), saying why', () => {
    const partial = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:shop/mongo';
    expect(() => from({ mongoSecretArn: partial })).toThrow(/mongoSecretArn.*complete Secrets Manager ARN/);
    expect(() => from({ mongoSecretArn: 'arn:aws:s3:::bucket' })).toThrow(/mongoSecretArn/);
  });

  it('refuses a key alias, and a key without a secret', () => {
    const alias = 'arn:aws:kms:eu-west-1:123456789012:alias/mongo';
    expect(() => from({ mongoSecretArn: secret, mongoSecretKmsKeyArn: alias })).toThrow(/not an alias/);
    expect(() => from({ mongoSecretKmsKeyArn: key })).toThrow(/only meaningful with mongoSecretArn/);
  });
});

describe('segment memory', () => {
  it('defaults to 10,240 MB with 6 ONNX threads, and follows the setting (threads = vCPUs it buys)', () => {
    const fn = (template: ReturnType<typeof synthStack>['template']) =>
      template.toJSON().Resources[logicalId(template, 'AWS::Lambda::Function', 'FunctionsSegment')]
        .Properties;
    const byDefault = fn(synthStack().template);
    expect(byDefault.MemorySize).toBe(10_240);
    expect(byDefault.Environment.Variables.THREADFINDER_ONNX_THREADS).toBe('6');
    const small = fn(synthStack({ segmentMemoryMb: '3008' }).template);
    expect(small.MemorySize).toBe(3008);
    expect(small.Environment.Variables.THREADFINDER_ONNX_THREADS).toBe('2');
    expect(small.Timeout).toBe(900);
  });

  it('refuses what Lambda cannot give or the segmenter cannot run in', () => {
    expect(() => from({ segmentMemoryMb: '12000' })).toThrow(/segmentMemoryMb/);
    expect(() => from({ segmentMemoryMb: '1024' })).toThrow(/segmentMemoryMb/);
  });
});

describe('segmentation size and embedding precision', () => {
  it('reach every function, and the precision the image fetches', () => {
    // Prepare
    const { template } = synthStack({ segmentSize: '384', embedDtype: 'q8' });

    // Act
    const functions = Object.values(template.findResources('AWS::Lambda::Function')) as {
      Properties: { Environment?: { Variables?: Record<string, unknown> } };
    }[];
    const env = functions.map((f) => f.Properties.Environment?.Variables ?? {});
    const threadfinder = env.filter((v) => v.THREADFINDER_MODELS === 'real');

    // Assess: the five stage functions, each told both settings
    expect(threadfinder.length).toBeGreaterThanOrEqual(5);
    for (const vars of threadfinder) {
      expect(vars).toMatchObject({ THREADFINDER_SEGMENT_SIZE: '384', THREADFINDER_EMBED_DTYPE: 'q8' });
    }
  });

  it('defaults to the model size (unset) and fp32, and refuses what is not offered', () => {
    expect(from({})).toMatchObject({ embedDtype: 'fp32' });
    expect(from({}).segmentSize).toBeUndefined();
    expect(() => from({ segmentSize: '500' })).toThrow(/segmentSize/);
    expect(() => from({ embedDtype: 'fp16' })).toThrow(/embedDtype/);
  });
});
