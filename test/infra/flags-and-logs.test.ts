import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '#infra/function-code.ts';
import { cdkJsonContext } from '#local/ingest-definition.ts';
import { logicalId, synthStack } from './synth.ts';

describe('feature flags, access logs and log names', () => {
  it('sets every feature flag aws-cdk-lib recommends (what `cdk init` writes) to its recommended value', () => {
    const recommended: Record<string, unknown> = JSON.parse(
      readFileSync(
        path.join(REPO_ROOT, 'node_modules', 'aws-cdk-lib', 'recommended-feature-flags.json'),
        'utf8',
      ),
    );
    const context = cdkJsonContext();
    expect(Object.keys(recommended).length).toBeGreaterThan(50);
    for (const [flag, value] of Object.entries(recommended)) expect(context[flag], flag).toEqual(value);
    expect(context['@aws-cdk/aws-stepfunctions:useDistributedMapResultWriterV2']).toBe(true);
  });

  it('lets S3 deliver access logs under a bucket policy, with ACLs disabled (no LogDeliveryWrite ACL)', () => {
    const { template } = synthStack();
    const accessLogs = logicalId(template, 'AWS::S3::Bucket', 'StorageAccessLogs');
    const bucket = template.toJSON().Resources[accessLogs].Properties;
    expect(bucket.AccessControl).toBeUndefined();
    expect(bucket.OwnershipControls).toEqual({ Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: accessLogs },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 'logging.s3.amazonaws.com' },
            Action: 's3:PutObject',
          }),
        ]),
      },
    });
    expect(JSON.stringify(template.toJSON())).not.toContain('LogDeliveryWrite');
  });

  it("names the state machine's log group under /aws/vendedlogs/states/", () => {
    const { template } = synthStack();
    const machine = logicalId(template, 'AWS::StepFunctions::StateMachine', 'Ingest');
    const destination =
      template.toJSON().Resources[machine].Properties.LoggingConfiguration.Destinations[0]
        .CloudWatchLogsLogGroup.LogGroupArn;
    const group = logicalId(template, 'AWS::Logs::LogGroup', 'IngestLogs');
    expect(destination).toEqual({ 'Fn::GetAtt': [group, 'Arn'] });
    template.hasResourceProperties('AWS::Logs::LogGroup', {
      LogGroupName: '/aws/vendedlogs/states/Threadfinder-ingest',
    });
  });
});
