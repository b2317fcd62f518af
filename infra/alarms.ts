import { Duration } from 'aws-cdk-lib';
import type * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';

/** Alarms on failed ingestions and on search errors, sent to an SNS topic (and an e-mail when configured). */
export class Alarms extends Construct {
  readonly topic: sns.Topic;

  constructor(
    scope: Construct,
    id: string,
    props: {
      stateMachine: sfn.StateMachine;
      search: lambda.IFunction;
      api: apigw.HttpApi;
      email?: string;
      /** The schedule's dead-letter queue: a message there is a scheduled ingestion that never started. */
      scheduleDeadLetters?: sqs.IQueue;
    },
  ) {
    super(scope, id);
    this.topic = new sns.Topic(this, 'Topic', { enforceSSL: true, masterKey: undefined });
    if (props.email) this.topic.addSubscription(new subscriptions.EmailSubscription(props.email));
    const notify = new actions.SnsAction(this.topic);
    const alarm = (name: string, metric: cloudwatch.IMetric, description: string, threshold = 1) => {
      const a = new cloudwatch.Alarm(this, name, {
        metric,
        threshold,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        alarmDescription: description,
      });
      a.addAlarmAction(notify);
    };
    const fiveMinutes = { period: Duration.minutes(5), statistic: 'Sum' };
    alarm('IngestFailed', props.stateMachine.metricFailed(fiveMinutes), 'An ingestion execution failed');
    alarm(
      'IngestTimedOut',
      props.stateMachine.metricTimedOut(fiveMinutes),
      'An ingestion execution timed out',
    );
    alarm('SearchErrors', props.search.metricErrors(fiveMinutes), 'The search function threw errors', 5);
    alarm(
      'SearchThrottles',
      props.search.metricThrottles(fiveMinutes),
      'The search function was throttled',
      5,
    );
    alarm('Api5xx', props.api.metricServerError(fiveMinutes), 'The search API answered 5xx', 5);
    if (props.scheduleDeadLetters) {
      alarm(
        'ScheduleDeadLetters',
        props.scheduleDeadLetters.metricApproximateNumberOfMessagesVisible({
          period: Duration.minutes(5),
          statistic: 'Maximum',
        }),
        'A scheduled ingestion could not be started (see the schedule dead-letter queue)',
      );
    }
  }
}
