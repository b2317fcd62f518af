import * as iam from 'aws-cdk-lib/aws-iam';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { PREFIXES } from '#core/contracts/run-layout.ts';

// CDK grants a Distributed Map's ItemReader and ResultWriter the whole bucket when the key or prefix is a JSON path
// (it cannot know where the path points). Ours always point into `runs/` and `map-results/`: the grants say so.

/** The S3 JSON ItemReader of a run's items file (`runs/<run>/items.json`), allowed to read `runs/*` only. */
export class RunItemsReader extends sfn.S3JsonItemReader {
  constructor(props: { bucket: s3.IBucket; key: string }) {
    super(props);
  }

  override providePolicyStatements(): iam.PolicyStatement[] {
    const resources = [this.bucket.arnForObjects(`${PREFIXES.runs}*`)];
    return [new iam.PolicyStatement({ actions: ['s3:GetObject'], resources })];
  }
}

/** The Map Run's ResultWriter (`map-results/<run>/...`), allowed to write `map-results/*` only. */
export class MapResultsWriter extends sfn.ResultWriterV2 {
  constructor(
    private readonly resultsBucket: s3.IBucket,
    prefix: string,
  ) {
    super({ bucket: resultsBucket, prefix });
  }

  override providePolicyStatements(): iam.PolicyStatement[] {
    const actions = [
      's3:PutObject',
      's3:GetObject',
      's3:ListMultipartUploadParts',
      's3:AbortMultipartUpload',
    ];
    const resources = [this.resultsBucket.arnForObjects(`${PREFIXES.mapResults}*`)];
    return [new iam.PolicyStatement({ actions, resources })];
  }
}
