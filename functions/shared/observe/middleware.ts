import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import type { MetricUnit as Unit } from '@aws-lambda-powertools/metrics/types';
import type { MiddlewareObj } from '@middy/core';
import { eventKeys } from './event-keys.ts';
import type { Observability } from './powertools.ts';

/** One EMF metric; `dimensions` beyond the stage's (e.g. a failure reason) make it a metric of its own. */
export interface MetricPoint {
  name: string;
  unit: Unit;
  value: number;
  dimensions?: Record<string, string>;
}

/** What an invocation reports once it has a result: one log line and its metrics. */
export interface StageReport {
  message: string;
  fields: Record<string, unknown>;
  metrics: MetricPoint[];
}

/** Builds a stage's report from its event, its result and how long it took. */
export type Reporter = (event: unknown, result: unknown, ms: number) => StageReport;

/**
 * The middlewares that make a handler observable, Powertools' way: the Lambda context in every log line,
 * the run id, batch and counts of the event as log keys, one structured line and the stage's EMF metrics
 * per invocation (published by Powertools' logMetrics), and the failure's name and message when it throws.
 */
export function observed(obs: Observability, report: Reporter): MiddlewareObj[] {
  const started = new WeakMap<object, number>();
  const stageMiddleware: MiddlewareObj = {
    before: (request) => {
      started.set(request, performance.now());
      obs.logger.appendKeys(eventKeys(request.event));
    },
    after: (request) => {
      const ms = Math.round(performance.now() - (started.get(request) ?? performance.now()));
      const r = report(request.event, request.response, ms);
      obs.logger.info(r.message, { ...r.fields, durationMs: ms });
      for (const m of r.metrics) emit(obs, m);
    },
    onError: (request) => {
      const error = request.error as Error | null;
      obs.logger.error(`${obs.stage} failed`, {
        failure: { name: error?.name ?? 'Error', message: error?.message ?? String(error) },
        durationMs: Math.round(performance.now() - (started.get(request) ?? performance.now())),
      });
      obs.metrics.addMetric('InvocationsFailed', MetricUnit.Count, 1);
    },
  };
  // A direct call (a test, the local runner without a context) has no Lambda context to inject.
  const someContext: MiddlewareObj = {
    before: (request) => {
      request.context ??= {} as typeof request.context;
    },
  };
  return [
    someContext,
    injectLambdaContext(obs.logger, { resetKeys: true }),
    logMetrics(obs.metrics),
    stageMiddleware,
  ] as MiddlewareObj[];
}

function emit(obs: Observability, m: MetricPoint): void {
  if (!m.dimensions) {
    obs.metrics.addMetric(m.name, m.unit, m.value);
    return;
  }
  obs.single(m.dimensions).addMetric(m.name, m.unit, m.value);
}
