import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { logicalId, synthStack } from './synth.ts';

describe('the cloud stack (synthesized)', () => {
  let template: Template;
  beforeAll(() => {
    ({ template } = synthStack({ schedule: 'cron(0 4 ? * MON *)', scheduleCatalogKey: 'catalogs/shop.csv' }));
  });

  it('runs the model stages as arm64 container images sized for several vCPUs', () => {
    for (const [stage, memory, timeout] of [
      ['Segment', 10240, 900],
      ['Embed', 6144, 600],
      ['Download', 2048, 600],
      ['Search', 4096, 29],
    ] as const) {
      const id = logicalId(template, 'AWS::Lambda::Function', `Functions${stage}`);
      const props = template.toJSON().Resources[id].Properties;
      expect(props.PackageType, stage).toBe('Image');
      expect(props.Architectures).toEqual(['arm64']);
      expect(props.MemorySize, stage).toBe(memory);
      expect(props.Timeout, stage).toBe(timeout);
      expect(props.ImageConfig.Command).toEqual([`dist/cloud/lambda/${stage.toLowerCase()}.handler`]);
    }
  });

  it('packages the model-free steps (prepare, aggregate) as zip functions on the newest Node runtime', () => {
    for (const stage of ['Prepare', 'Aggregate']) {
      const id = logicalId(template, 'AWS::Lambda::Function', `Functions${stage}`);
      const props = template.toJSON().Resources[id].Properties;
      expect(props.Runtime).toBe('nodejs24.x');
      expect(props.Architectures).toEqual(['arm64']);
    }
  });

  it('routes the HTTP API to the search function (its `live` alias), throttled, with CORS', () => {
    const live = logicalId(template, 'AWS::Lambda::Alias', 'SearchLive');
    template.hasResourceProperties('AWS::ApiGatewayV2::Integration', {
      IntegrationType: 'AWS_PROXY',
      PayloadFormatVersion: '2.0',
      IntegrationUri: { Ref: live },
    });
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: '$default' });
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      DefaultRouteSettings: { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 },
      AccessLogSettings: Match.objectLike({ DestinationArn: Match.anyValue() }),
    });
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', {
      CorsConfiguration: Match.objectLike({ AllowOrigins: ['*'], AllowCredentials: false }),
    });
  });

  it('re-runs ingestion of the configured catalog on the configured schedule, with bounded retries', () => {
    const machine = logicalId(template, 'AWS::StepFunctions::StateMachine', 'Ingest');
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(0 4 ? * MON *)',
      FlexibleTimeWindow: Match.objectLike({ Mode: 'FLEXIBLE' }),
      Target: Match.objectLike({
        Arn: { Ref: machine },
        Input: JSON.stringify({ catalogKey: 'catalogs/shop.csv' }),
        RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 3600 },
        DeadLetterConfig: Match.objectLike({ Arn: Match.anyValue() }),
      }),
    });
  });

  it('lets the schedule prune what its catalog no longer lists, when schedulePrune is set', () => {
    // Act
    const { template: pruning } = synthStack({
      schedule: 'cron(0 4 ? * MON *)',
      scheduleCatalogKey: 'catalogs/shop.csv',
      schedulePrune: 'true',
    });
    // Assess
    pruning.hasResourceProperties('AWS::Scheduler::Schedule', {
      Target: Match.objectLike({ Input: JSON.stringify({ catalogKey: 'catalogs/shop.csv', prune: true }) }),
    });
  });

  it('has no schedule when told "none", the default (nothing creates the catalog it would re-ingest)', () => {
    const { template: none } = synthStack();
    none.resourceCountIs('AWS::Scheduler::Schedule', 0);
    none.resourceCountIs('AWS::SQS::Queue', 0);
  });

  it("alarms when a scheduled start lands in the schedule's dead-letter queue", () => {
    const queue = logicalId(template, 'AWS::SQS::Queue', 'ScheduleDeadLetters');
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [queue, 'QueueName'] } }],
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      AlarmActions: [Match.anyValue()],
    });
  });

  it('encrypts the data bucket, blocks public access and refuses plain HTTP', () => {
    const bucket = logicalId(template, 'AWS::S3::Bucket', 'StorageData');
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      LifecycleConfiguration: {
        Rules: Match.arrayWith([Match.objectLike({ Prefix: 'runs/', ExpirationInDays: 14 })]),
      },
    });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: bucket },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  it('lets only the aggregate and search functions read the MongoDB secret', () => {
    const secret = logicalId(template, 'AWS::SecretsManager::Secret', 'MongoUri');
    const policies = template.findResources('AWS::IAM::Policy');
    const readers = Object.values(policies)
      .filter(
        (p) =>
          JSON.stringify(p.Properties.PolicyDocument).includes('secretsmanager:GetSecretValue') &&
          JSON.stringify(p.Properties.PolicyDocument).includes(secret),
      )
      .flatMap((p) => p.Properties.Roles.map((r: { Ref: string }) => r.Ref));
    expect(readers.sort()).toEqual([
      expect.stringMatching(/^FunctionsAggregateServiceRole/),
      expect.stringMatching(/^FunctionsSearchServiceRole/),
    ]);
  });

  it('gives each function only its own key prefixes of the bucket', () => {
    const policies = Object.values(template.findResources('AWS::IAM::Policy'));
    const of = (role: string) =>
      JSON.stringify(
        policies.find((p) => p.Properties.Roles.some((r: { Ref: string }) => r.Ref.startsWith(role))),
      );
    expect(of('FunctionsSearchServiceRole')).toContain('/masked/*');
    expect(of('FunctionsSearchServiceRole')).not.toContain('s3:PutObject');
    expect(of('FunctionsDownloadServiceRole')).not.toContain('/masked/*');
    // The download reads and writes its host pause reports, and nothing else of a run's files
    expect(of('FunctionsDownloadServiceRole')).toContain('/runs/*/hosts/*');
    expect(of('FunctionsDownloadServiceRole')).not.toContain('/runs/*"');
    expect(of('FunctionsAggregateServiceRole')).toContain('s3:DeleteObject');
    expect(of('FunctionsSegmentServiceRole')).not.toContain('s3:DeleteObject');
    // The download deletes the record of a URL its host says is gone, and nothing else
    const download = JSON.parse(of('FunctionsDownloadServiceRole')).Properties.PolicyDocument.Statement as {
      Action: string | string[];
      Resource: unknown;
    }[];
    const deletes = download.filter((st) => [st.Action].flat().includes('s3:DeleteObject'));
    expect(deletes).toHaveLength(1);
    expect(JSON.stringify(deletes[0]?.Resource)).toContain('/urls/*');
    expect(JSON.stringify(deletes[0]?.Resource)).not.toContain('/originals/*');
  });

  it("lets the state machine read only runs' items files and write only map results in the bucket", () => {
    const ingest = Object.values(template.findResources('AWS::IAM::Policy')).find((p) =>
      p.Properties.Roles.some((r: { Ref: string }) => r.Ref.startsWith('IngestRole')),
    );
    const s3 = ingest?.Properties.PolicyDocument.Statement.filter((st: { Action: string | string[] }) =>
      [st.Action].flat().some((a) => a.startsWith('s3:')),
    );
    const where = (st: { Resource: unknown }) => JSON.stringify(st.Resource).match(/\/([a-z-]+\/\*)"/)?.[1];
    expect(
      s3.map((st: { Action: string | string[]; Resource: unknown }) => [
        where(st),
        [st.Action].flat().sort(),
      ]),
    ).toEqual(
      expect.arrayContaining([
        ['runs/*', ['s3:GetObject']],
        [
          'map-results/*',
          ['s3:AbortMultipartUpload', 's3:GetObject', 's3:ListMultipartUploadParts', 's3:PutObject'],
        ],
      ]),
    );
    expect(s3).toHaveLength(2);
  });

  it('keeps logs for the configured time and alarms on failed runs and search errors', () => {
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ExecutionsFailed',
      Threshold: 1,
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'Errors',
      Namespace: 'AWS/Lambda',
    });
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      LoggingConfiguration: Match.objectLike({ Level: 'ALL' }),
      TracingConfiguration: { Enabled: true },
    });
  });
});
