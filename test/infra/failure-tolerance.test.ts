import { beforeAll, describe, expect, it } from 'vitest';
import {
  FAILED_BATCH_PERCENT,
  INGEST_ERRORS,
  INGEST_OUTPUT,
  INGEST_STATES as S,
} from '#infra/ingest-states.ts';
import { DATA_LIMIT_EXCEEDED } from '#infra/ingest-workflow.ts';
import { definitionOf, type Json, synthStack } from './synth.ts';

describe('failure tolerance of the ingestion state machine (synthesized)', () => {
  let asl: Json;
  let template: ReturnType<typeof synthStack>['template'];
  beforeAll(() => {
    ({ template } = synthStack({ toleratedFailurePercentage: '5' }));
    asl = definitionOf(template);
  });

  it('catches States.ALL in every child task, so the Map tolerance alone would never fire', () => {
    const states: Record<string, Json> = asl.States[S.map].ItemProcessor.States;
    const tasks = Object.entries(states).filter(([, s]) => s.Type === 'Task');
    expect(tasks.length).toBeGreaterThanOrEqual(4);
    for (const [, task] of tasks) {
      const last = task.Catch.at(-1);
      expect(last.ErrorEquals).toEqual(['States.ALL']);
      expect(states[last.Next].Type).toBe('Pass');
    }
  });

  it('catches States.DataLimitExceeded by name in every child task (States.ALL does not match it)', () => {
    const states: Record<string, Json> = asl.States[S.map].ItemProcessor.States;
    for (const [name, task] of Object.entries(states).filter(([, s]) => s.Type === 'Task')) {
      expect(task.Catch[0], name).toMatchObject({
        ErrorEquals: [DATA_LIMIT_EXCEEDED],
        ResultPath: '$.error',
      });
      // Recorded by the same small Pass state as every other failure: ids, error and cause, no images.
      expect(task.Catch[0].Next, name).toBe(task.Catch[1].Next);
      expect(states[task.Catch[0].Next].Type).toBe('Pass');
    }
  });

  it('fails the execution after aggregation when the failed-batch share exceeds the tolerance', () => {
    // Prepare
    const choice = asl.States[S.failuresTolerated];
    const fail = asl.States[S.tooManyBatchesFailed];
    // Assess: the lock is released first (on both of its paths), then the share is compared
    expect(asl.States[S.releaseLock].Next).toBe(S.failuresTolerated);
    expect(asl.States[S.releaseLock].Catch[0].Next).toBe(S.failuresTolerated);
    expect(choice.Type).toBe('Choice');
    expect(choice.Choices).toEqual([
      {
        Variable: `$.${INGEST_OUTPUT.aggregate}.${FAILED_BATCH_PERCENT}`,
        NumericGreaterThan: 5,
        Next: S.tooManyBatchesFailed,
      },
    ]);
    expect(choice.Default).toBe(S.done);
    expect(fail).toMatchObject({ Type: 'Fail', Error: INGEST_ERRORS.incomplete });
    expect(fail.Cause).toMatch(/more than 5% of the batches failed/);
  });

  it('ends a refused overlapping run SUCCEEDED with the refusal in its output, not as a failure', () => {
    const refused = asl.States[S.alreadyRunning];
    expect(refused).toMatchObject({
      Type: 'Pass',
      End: true,
      ResultPath: `$.${INGEST_OUTPUT.refused}`,
      Result: { error: INGEST_ERRORS.alreadyRunning },
    });
    const fails = Object.values(asl.States as Record<string, Json>).filter((s) => s.Type === 'Fail');
    expect(fails.map((f) => f.Error)).not.toContain(INGEST_ERRORS.alreadyRunning);
  });

  it('alarms on failed executions, which now include a run with too many failed batches', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ExecutionsFailed',
      Namespace: 'AWS/States',
      Threshold: 1,
    });
  });
});
