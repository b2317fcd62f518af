import { type CfnElement, type Stack, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

interface Acknowledgement {
  /** Path of the construct under the stack, e.g. "Functions/Search". */
  path: string;
  /** cdk-nag rule id, with the finding in brackets where the rule reports several. */
  id: string;
  reason: string;
}

const FUNCTIONS = ['Prepare', 'Download', 'Segment', 'Embed', 'Aggregate', 'Search'];
const BUCKET_PREFIX_REASON =
  'Scoped to one key prefix of the stack-owned data bucket; object keys under it are content hashes or run ids, so the prefix is the narrowest resource possible.';

/** Logical ids the findings name: CloudFormation ids of the bucket, functions and state machine. */
interface LogicalIds {
  bucket: string;
  fn(name: string): string;
  stateMachine: string;
  /** The state machine's fixed name. */
  stateMachineName: string;
  /** The region as the policy shows it: a literal, or <AWS::Region> for an environment-agnostic stack. */
  region: string;
  /** The partition likewise: a literal where the region is known (@aws-cdk/core:enablePartitionLiterals). */
  partition: string;
}

/** Every deliberate cdk-nag finding of the stack, each with its reason. Anything else fails synthesis. */
export function acknowledgements(ids: LogicalIds): Acknowledgement[] {
  return [
    ...FUNCTIONS.flatMap((fn) => [
      {
        path: `Functions/${fn}`,
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        reason:
          'The AWS managed basic execution policy only allows writing the function its own CloudWatch logs.',
      },
      {
        path: `Functions/${fn}`,
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason: 'X-Ray tracing (PutTraceSegments, PutTelemetryRecords) has no resource-level permissions.',
      },
    ]),
    ...[
      ['Prepare', 'catalogs'],
      ['Prepare', 'runs'],
      ['Download', 'originals'],
      ['Download', 'urls'],
      ['Download', 'runs/*/hosts'],
      ['Segment', 'originals'],
      ['Segment', 'masked'],
      ['Embed', 'originals'],
      ['Embed', 'masked'],
      ['Embed', 'embeddings'],
      ['Embed', 'runs'],
      ['Aggregate', 'runs'],
      ['Aggregate', 'map-results'],
      ['Search', 'masked'],
      ['Search', 'originals'],
    ].map(([fn, prefix]) => ({
      path: `Functions/${fn}`,
      id: `AwsSolutions-IAM5[Resource::<${ids.bucket}.Arn>/${prefix}/*]`,
      reason: BUCKET_PREFIX_REASON,
    })),
    ...['Prepare', 'Download', 'Segment', 'Embed', 'Aggregate'].map((fn) => ({
      path: 'Ingest/Role',
      id: `AwsSolutions-IAM5[Resource::<${ids.fn(fn)}.Arn>:*]`,
      reason:
        "LambdaInvoke grants the function and its versions/aliases (ARN:*); only this stack's functions.",
    })),
    {
      path: 'Ingest/Role',
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'X-Ray tracing and CloudWatch Logs vended log delivery (logs:CreateLogDelivery etc.) have no resource-level permissions.',
    },
    {
      path: 'Ingest/Role',
      id: `AwsSolutions-IAM5[Resource::<${ids.bucket}.Arn>/runs/*]`,
      reason:
        "The Distributed Map reads each run's items file, runs/<run id>/items.json; run ids are generated.",
    },
    {
      path: 'Ingest/Role',
      id: `AwsSolutions-IAM5[Resource::<${ids.bucket}.Arn>/map-results/*]`,
      reason:
        "The Distributed Map writes each run's results under map-results/<run id>/; run ids are generated.",
    },
    {
      path: 'Ingest/DistributedMapPolicy',
      id: `AwsSolutions-IAM5[Resource::arn:${ids.partition}:states:${ids.region}:<AWS::AccountId>:execution:{"Fn::Select":[6,{"Fn::Split":[":",{"Ref":"${ids.stateMachine}"}]}]}:*]`,
      reason: 'A Distributed Map must describe and stop its own child executions, whose names are generated.',
    },
    {
      path: 'Ingest/DistributedMapPolicy',
      id: `AwsSolutions-IAM5[Resource::arn:${ids.partition}:states:${ids.region}:<AWS::AccountId>:execution:{"Fn::Select":[6,{"Fn::Split":[":",{"Ref":"${ids.stateMachine}"}]}]}/EmbedProducts:*]`,
      reason:
        'A Distributed Map must describe and stop its own Map Run executions, whose names are generated.',
    },
    {
      path: 'Ingest/Role',
      id: `AwsSolutions-IAM5[Resource::arn:${ids.partition}:states:${ids.region}:<AWS::AccountId>:execution:${ids.stateMachineName}:*]`,
      reason:
        "The overlap guard describes the execution holding a catalog lock (read-only): one of this state machine's own executions.",
    },
    {
      path: 'MongoUri',
      id: 'AwsSolutions-SMG4',
      reason:
        'The secret holds a MongoDB Atlas connection string; its credentials are rotated in Atlas, which Secrets Manager cannot drive without an Atlas Admin API key.',
    },
    {
      path: 'Schedule/DeadLetters',
      id: 'AwsSolutions-SQS3',
      reason: 'This queue is itself the dead-letter queue of the re-ingestion schedule.',
    },
    {
      path: 'Search/Http/DefaultRoute',
      id: 'AwsSolutions-APIG4',
      reason:
        'Product search is public, like the shop it serves; the stage is throttled and every input is validated.',
    },
  ];
}

/** Acknowledges the deliberate cdk-nag findings on the stack's constructs. */
export function acknowledgeNagFindings(stack: Stack): void {
  const logicalId = (path: string) => {
    const child = find(stack, path)?.node.defaultChild as CfnElement | undefined;
    return child ? stack.resolve(stack.getLogicalId(child)) : 'missing';
  };
  const region = stack.resolve(stack.region);
  const partition = stack.resolve(stack.partition);
  const ids: LogicalIds = {
    bucket: logicalId('Storage/Data'),
    fn: (name) => logicalId(`Functions/${name}`),
    stateMachine: logicalId('Ingest'),
    stateMachineName: `${stack.stackName.slice(0, 72)}-ingest`,
    region: typeof region === 'string' ? region : '<AWS::Region>',
    partition: typeof partition === 'string' ? partition : '<AWS::Partition>',
  };
  for (const ack of acknowledgements(ids)) {
    const construct = find(stack, ack.path);
    if (construct) Validations.of(construct).acknowledge({ id: ack.id, reason: ack.reason });
  }
}

function find(stack: Stack, path: string): IConstruct | undefined {
  return path.split('/').reduce<IConstruct | undefined>((c, part) => c?.node.tryFindChild(part), stack);
}
