import { ArnFormat, CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { HOST_REPORTS_GRANT } from '#core/contracts/run-layout.ts';
import { Alarms } from './alarms.ts';
import { Dashboard } from './dashboard.ts';
import type { FunctionCode } from './function-code.ts';
import { IngestSchedule } from './ingest-schedule.ts';
import { buildIngestWorkflow } from './ingest-workflow.ts';
import { PipelineFunctions } from './pipeline-functions.ts';
import { SearchApi } from './search-api.ts';
import type { DeploySettings } from './settings.ts';
import { BUCKET_PREFIXES as P, Storage } from './storage.ts';

/** What the stack is built from. */
export interface ThreadfinderStackProps extends StackProps {
  settings: DeploySettings;
  code: FunctionCode;
}

/** The ingestion timeout: also the lifetime of the catalog lock, so a lost lock expires with its run. */
export const INGEST_TIMEOUT = Duration.hours(24);

/** The whole cloud deployment: storage, pipeline functions, the ingestion state machine, search API, alarms. */
export class ThreadfinderStack extends Stack {
  readonly stateMachine: sfn.StateMachine;

  constructor(scope: Construct, id: string, props: ThreadfinderStackProps) {
    super(scope, id, props);
    const { settings } = props;
    const storage = new Storage(this, 'Storage');
    const fns = new PipelineFunctions(this, 'Functions', { settings, code: props.code });
    fns.bindBucket(storage.bucket, {
      prepare: [
        { prefix: P.catalogs, access: 'r' },
        { prefix: P.runs, access: 'w' },
      ],
      download: [
        { prefix: P.originals, access: 'rw' },
        // A URL the host says is gone loses its record (functions/download/download-image.ts).
        { prefix: P.urls, access: 'rwd' },
        // What a batch saw of paused hosts (runs/<runId>/hosts/), read back by its next pass.
        { prefix: HOST_REPORTS_GRANT, access: 'rw' },
      ],
      segment: [
        { prefix: P.originals, access: 'r' },
        { prefix: P.masked, access: 'rw' },
      ],
      embed: [
        { prefix: P.originals, access: 'r' },
        { prefix: P.masked, access: 'r' },
        // The embedding cache: an image's vector, named by what produced it.
        { prefix: P.embeddings, access: 'rw' },
        { prefix: P.runs, access: 'w' },
      ],
      aggregate: [
        { prefix: P.runs, access: 'rwd' },
        { prefix: P.mapResults, access: 'r' },
      ],
      // Cut-outs are made on demand from the original and its mask (core/image/cutout.ts).
      search: [
        { prefix: P.masked, access: 'r' },
        { prefix: P.originals, access: 'r' },
      ],
    });
    const secret = settings.mongoSecretArn
      ? secretsmanager.Secret.fromSecretCompleteArn(this, 'MongoUri', settings.mongoSecretArn)
      : new secretsmanager.Secret(this, 'MongoUri', {
          description:
            'MongoDB Atlas connection string for Threadfinder: replace the generated value with your mongodb+srv:// URI',
        });
    fns.bindMongo(secret, ['aggregate', 'search']);

    // A fixed name, so the lock check may describe this machine's executions without a circular reference.
    const stateMachineName = `${this.stackName.slice(0, 72)}-ingest`;
    const logGroup = new logs.LogGroup(this, 'IngestLogs', {
      // Under /aws/vendedlogs/: CloudWatch Logs resource policies for vended logs cover this prefix, so many
      // state machines do not exhaust the account's policy size limit.
      logGroupName: `/aws/vendedlogs/states/${stateMachineName}`,
      retention: settings.logRetentionDays as logs.RetentionDays,
    });
    this.stateMachine = new sfn.StateMachine(this, 'Ingest', {
      stateMachineName,
      definitionBody: sfn.DefinitionBody.fromChainable(
        buildIngestWorkflow(this, {
          functions: fns.functions,
          bucket: storage.bucket,
          lockTable: storage.lockTable,
          settings,
          executionArns: this.formatArn({
            service: 'states',
            resource: 'execution',
            resourceName: `${stateMachineName}:*`,
            arnFormat: ArnFormat.COLON_RESOURCE_NAME,
          }),
        }),
      ),
      stateMachineType: sfn.StateMachineType.STANDARD,
      timeout: INGEST_TIMEOUT,
      tracingEnabled: true,
      logs: { destination: logGroup, level: sfn.LogLevel.ALL, includeExecutionData: false },
    });
    const api = new SearchApi(this, 'Search', { search: fns.functions.search, settings });
    const schedule =
      settings.schedule === 'none'
        ? undefined
        : new IngestSchedule(this, 'Schedule', { stateMachine: this.stateMachine, settings });
    new Alarms(this, 'Alarms', {
      stateMachine: this.stateMachine,
      search: fns.functions.search,
      api: api.api,
      email: settings.alarmEmail,
      scheduleDeadLetters: schedule?.deadLetters,
    });
    new Dashboard(this, 'Observability', { stateMachine: this.stateMachine, functions: fns.functions });
    new CfnOutput(this, 'StateMachineArn', {
      value: this.stateMachine.stateMachineArn,
      description: 'export THREADFINDER_STATE_MACHINE_ARN=<this> for `threadfinder ingest --cloud`',
    });
    new CfnOutput(this, 'BucketName', {
      value: storage.bucket.bucketName,
      description: 'export THREADFINDER_BUCKET=<this>; catalogs go under catalogs/',
    });
    new CfnOutput(this, 'MongoSecretArn', {
      value: secret.secretArn,
      description:
        'put your Atlas URI here: aws secretsmanager put-secret-value --secret-id <this> --secret-string ...',
    });
  }
}
