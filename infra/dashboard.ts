import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { METRICS_NAMESPACE, SERVICE } from '#functions/shared/observe/names.ts';
import type { StageName } from './pipeline-functions.ts';

const PERIOD = Duration.minutes(5);
const IMAGE_STAGES = ['download', 'segment', 'embed'] as const;

/** The EMF metric a function publishes through Powertools (dimensions: service, stage). */
function stageMetric(name: string, stage: string, statistic = 'Sum'): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: METRICS_NAMESPACE,
    metricName: name,
    dimensionsMap: { service: SERVICE, stage },
    statistic,
    period: PERIOD,
    label: stage,
  });
}

/**
 * One dashboard for the operator: ingestion executions, images ok and failed by reason, ms per image per
 * stage, products stored, search latency, and the functions' errors.
 */
export class Dashboard extends Construct {
  readonly dashboard: cloudwatch.Dashboard;

  constructor(
    scope: Construct,
    id: string,
    props: { stateMachine: sfn.StateMachine; functions: Record<StageName, lambda.IFunction> },
  ) {
    super(scope, id);
    const sm = props.stateMachine;
    const runs = { period: PERIOD, statistic: 'Sum' };
    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      defaultInterval: Duration.days(7),
      widgets: [
        [
          new cloudwatch.GraphWidget({
            title: 'Ingestions',
            left: [
              sm.metricStarted(runs),
              sm.metricSucceeded(runs),
              sm.metricFailed(runs),
              sm.metricTimedOut(runs),
            ],
            width: 8,
          }),
          new cloudwatch.GraphWidget({
            title: 'Images ok per stage',
            left: IMAGE_STAGES.map((s) => stageMetric('ImagesOk', s)),
            width: 8,
          }),
          new cloudwatch.GraphWidget({
            title: 'Images failed by reason',
            left: [
              new cloudwatch.MathExpression({
                expression: `SEARCH('{${METRICS_NAMESPACE},reason,service,stage} MetricName="ImagesFailed"', 'Sum', 300)`,
                label: '',
                period: PERIOD,
              }),
            ],
            width: 8,
          }),
        ],
        [
          new cloudwatch.GraphWidget({
            title: 'ms per image per stage (average)',
            left: IMAGE_STAGES.map((s) => stageMetric('MsPerImage', s, 'Average')),
            width: 8,
          }),
          new cloudwatch.GraphWidget({
            title: 'Products stored, batches failed',
            left: [stageMetric('ProductsStored', 'aggregate'), stageMetric('BatchesFailed', 'aggregate')],
            width: 8,
          }),
          new cloudwatch.GraphWidget({
            title: 'Search latency (ms)',
            left: ['p50', 'p95', 'p99'].map((p) =>
              stageMetric('SearchLatency', 'search', p).with({ label: p }),
            ),
            width: 8,
          }),
        ],
        [
          new cloudwatch.GraphWidget({
            title: 'Function errors',
            left: Object.entries(props.functions).map(([stage, fn]) =>
              fn.metricErrors({ period: PERIOD, statistic: 'Sum', label: stage }),
            ),
            width: 12,
          }),
          new cloudwatch.GraphWidget({
            title: 'Function duration p95 (ms)',
            left: Object.entries(props.functions).map(([stage, fn]) =>
              fn.metricDuration({ period: PERIOD, statistic: 'p95', label: stage }),
            ),
            width: 12,
          }),
        ],
      ],
    });
  }
}
