import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { PREFIXES } from '#core/contracts/run-layout.ts';

/** Key prefixes of the data bucket, shared with the functions' blob keys. */
export const BUCKET_PREFIXES = PREFIXES;

/**
 * The data bucket (catalogs, originals, masked images, run files, Map results) with its access-log bucket,
 * and the lock table that keeps two ingestions of one catalog from overlapping.
 */
export class Storage extends Construct {
  readonly bucket: s3.Bucket;
  readonly lockTable: dynamodb.TableV2;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    const accessLogs = new s3.Bucket(this, 'AccessLogs', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      // Bucket owner enforced: ACLs off. S3 delivers the access logs under a bucket policy for the
      // logging.s3.amazonaws.com principal (added by serverAccessLogsBucket below), not the LogDeliveryWrite ACL.
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [{ expiration: Duration.days(90) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.bucket = new s3.Bucket(this, 'Data', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      serverAccessLogsBucket: accessLogs,
      serverAccessLogsPrefix: 'data/',
      // Run files and Map results are intermediate: kept long enough to inspect a run, then expired.
      lifecycleRules: [
        { prefix: BUCKET_PREFIXES.runs, expiration: Duration.days(14) },
        { prefix: BUCKET_PREFIXES.mapResults, expiration: Duration.days(14) },
        { abortIncompleteMultipartUploadAfter: Duration.days(1) },
      ],
      // Originals and masked images are what re-ingestion reuses; deleting the stack keeps them.
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.lockTable = new dynamodb.TableV2(this, 'IngestLocks', {
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      billing: dynamodb.Billing.onDemand(),
      timeToLiveAttribute: 'expiresAt',
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      removalPolicy: RemovalPolicy.DESTROY,
    });
  }
}
