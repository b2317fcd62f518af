import { Duration, TimeZone } from 'aws-cdk-lib';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as targets from 'aws-cdk-lib/aws-scheduler-targets';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import type { DeploySettings } from './settings.ts';

/**
 * Re-runs ingestion of the configured catalog on a schedule (EventBridge Scheduler). Retries are few and
 * short-lived, so a late retry never starts a duplicate run hours afterwards; what still fails lands in a
 * dead-letter queue. Overlap with a running ingestion is refused by the state machine's lock.
 */
export class IngestSchedule extends Construct {
  /** Schedule invocations that still failed after the retries (alarmed in Alarms). */
  readonly deadLetters: sqs.Queue;

  constructor(
    scope: Construct,
    id: string,
    props: { stateMachine: sfn.IStateMachine; settings: DeploySettings },
  ) {
    super(scope, id);
    const { settings } = props;
    const deadLetters = new sqs.Queue(this, 'DeadLetters', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    new scheduler.Schedule(this, 'Reingest', {
      description: `Re-ingest ${settings.scheduleCatalogKey}`,
      schedule: scheduler.ScheduleExpression.expression(
        settings.schedule,
        TimeZone.of(settings.scheduleTimezone),
      ),
      timeWindow: scheduler.TimeWindow.flexible(Duration.minutes(15)),
      target: new targets.StepFunctionsStartExecution(props.stateMachine, {
        input: scheduler.ScheduleTargetInput.fromObject({
          catalogKey: settings.scheduleCatalogKey,
          ...(settings.schedulePrune === 'true' && { prune: true }),
        }),
        retryAttempts: 2,
        maxEventAge: Duration.hours(1),
        deadLetterQueue: deadLetters,
      }),
    });
    this.deadLetters = deadLetters;
  }
}
