import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { IgnoreMode } from 'aws-cdk-lib';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import { Platform } from 'aws-cdk-lib/aws-ecr-assets';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import type { Construct } from 'constructs';
import type { DeploySettings } from './settings.ts';

/** The repository root: the container image's build context and the zip bundles' project root. */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Function properties every packaging accepts. */
export type CommonFunctionProps = Omit<lambda.FunctionProps, 'code' | 'handler' | 'runtime'>;

/** How the stack packages its functions: real assets for deployment, placeholders for local runs. */
export interface FunctionCode {
  container(scope: Construct, id: string, stage: string, props: CommonFunctionProps): lambda.Function;
  zip(scope: Construct, id: string, stage: string, props: CommonFunctionProps): lambda.Function;
}

/** Lambda's newest Node.js runtime; the container image uses the same major version (functions/Dockerfile). */
export const NODE_RUNTIME = lambda.Runtime.NODEJS_24_X;

/**
 * Deployable code: one container image (functions/Dockerfile, linux/arm64, models baked in) whose command
 * picks the stage's handler, and esbuild bundles for the zip functions.
 */
export function assetCode(settings: DeploySettings): FunctionCode {
  return {
    container(scope, id, stage, props) {
      return new lambda.DockerImageFunction(scope, id, {
        ...props,
        code: lambda.DockerImageCode.fromImageAsset(REPO_ROOT, {
          file: 'functions/Dockerfile',
          platform: Platform.LINUX_ARM64,
          ignoreMode: IgnoreMode.DOCKER,
          buildArgs: {
            EMBED_MODEL: settings.embedModel,
            SEGMENT_MODEL: settings.segmentModel,
            EMBED_DTYPE: settings.embedDtype,
          },
          cmd: [`dist/cloud/lambda/${stage}.handler`],
        }),
      });
    },
    zip(scope, id, stage, props) {
      return new nodejs.NodejsFunction(scope, id, {
        ...props,
        runtime: NODE_RUNTIME,
        entry: path.join(REPO_ROOT, 'cloud', 'lambda', `${stage}.ts`),
        handler: 'handler',
        projectRoot: REPO_ROOT,
        depsLockFilePath: path.join(REPO_ROOT, 'package-lock.json'),
        bundling: {
          format: nodejs.OutputFormat.ESM,
          target: 'node24',
          sourceMap: true,
          minify: true,
          // ESM bundles need a require for the CommonJS dependencies they inline.
          banner: "import { createRequire } from 'module'; const require = createRequire(import.meta.url);",
        },
      });
    },
  };
}

/**
 * Stand-in code for synthesizing the stack in-process (the local runner only needs the state machine
 * definition): no Docker image fingerprinting, no bundling. Never deployable.
 */
export function placeholderCode(): FunctionCode {
  return {
    container(scope, id, _stage, props) {
      const repository = ecr.Repository.fromRepositoryName(scope, `${id}Placeholder`, 'threadfinder-local');
      return new lambda.DockerImageFunction(scope, id, {
        ...props,
        code: lambda.DockerImageCode.fromEcr(repository),
      });
    },
    zip(scope, id, _stage, props) {
      return new lambda.Function(scope, id, {
        ...props,
        runtime: NODE_RUNTIME,
        handler: 'index.handler',
        code: lambda.Code.fromInline('exports.handler = async () => { throw new Error("placeholder"); };'),
      });
    },
  };
}
