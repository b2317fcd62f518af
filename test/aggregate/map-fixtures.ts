/** Where the tests' map run wrote its results. */
export const MAP = 'map-results/run-1';
export const MANIFEST_KEY = `${MAP}/manifest.json`;
/** The aggregate event's `results`, as `$.map.ResultWriterDetails` passes it. */
export const RESULTS = { Bucket: 'data-bucket', Key: MANIFEST_KEY };

/** The input Step Functions gives a child execution: a batch of items and the run id. */
const input = (runId: string, ids: string[]) =>
  JSON.stringify({
    Items: ids.map((id) => ({
      id,
      metadata: {},
      images: [{ url: `https://img.example/${id}.jpg`, status: 'pending' }],
    })),
    BatchInput: { runId },
  });

const execution = (name: string) => ({
  ExecutionArn: `arn:aws:states:eu-west-1:123456789012:execution:Ingest/EmbedProducts:${name}`,
  Name: name,
  StateMachineArn: 'arn:aws:states:eu-west-1:123456789012:stateMachine:Ingest/EmbedProducts',
  StartDate: '2025-01-01T00:00:00Z',
  StopDate: '2025-01-01T00:01:00Z',
});

/** A child that embedded its batch: its output is the embed stage's EmbedResult. */
export function embeddedChild(name: string, runId: string, ids: string[]) {
  const key = `runs/${runId}/embedded/${name}.json`;
  const output = { runId, key, products: ids.length, imagesOk: ids.length, imagesFailed: 0 };
  return {
    ...execution(name),
    Input: input(runId, ids),
    Output: JSON.stringify(output),
    Status: 'SUCCEEDED',
  };
}

/** A child whose Catch recorded the failure (the RecordBatchFailure Pass state's output). */
export function recordedFailureChild(
  name: string,
  runId: string,
  ids: string[],
  error: string,
  cause: string,
) {
  const output = { failed: true, runId, productIds: ids, error, cause };
  return {
    ...execution(name),
    Input: input(runId, ids),
    Output: JSON.stringify(output),
    Status: 'SUCCEEDED',
  };
}

/** A child execution that itself failed, timed out or was aborted (no Output). */
export function failedChild(name: string, runId: string, ids: string[], status = 'FAILED') {
  return {
    ...execution(name),
    Input: input(runId, ids),
    Status: status,
    Error: 'Lambda.Unknown',
    Cause: 'The function ran out of memory',
  };
}

/** A child still running when the map run ended. */
export function pendingChild(name: string, runId: string, ids: string[]) {
  const { StopDate: _, ...started } = execution(name);
  return { ...started, Input: input(runId, ids), Status: 'RUNNING' };
}

/** The manifest and result files of a map run, as blob contents: `{ group: entries }` -> one file per group. */
export function mapRun(groups: { SUCCEEDED?: unknown[]; FAILED?: unknown[]; PENDING?: unknown[] }) {
  const contents: Record<string, unknown> = {};
  const files = (group: keyof typeof groups) => {
    const entries = groups[group];
    if (!entries) return [];
    const Key = `${MAP}/${group}_0.json`;
    contents[Key] = entries;
    return [{ Key, Size: JSON.stringify(entries).length }];
  };
  contents[MANIFEST_KEY] = {
    DestinationBucket: 'data-bucket',
    MapRunArn: 'arn:aws:states:eu-west-1:123456789012:mapRun:Ingest/EmbedProducts:run-1',
    ResultFiles: { FAILED: files('FAILED'), PENDING: files('PENDING'), SUCCEEDED: files('SUCCEEDED') },
  };
  return contents;
}
