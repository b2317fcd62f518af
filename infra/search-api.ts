import { CfnOutput, Duration } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { DeploySettings } from './settings.ts';

/**
 * The HTTPS entry point: an HTTP API whose every route goes to the search function, which serves the same
 * contract as the local server (the page, `/api/*`, `/healthz`). Throttled, CORS configured, access-logged.
 */
export class SearchApi extends Construct {
  readonly api: apigw.HttpApi;

  /** The alias the API invokes: `live`, with the provisioned concurrency the settings ask for. */
  readonly alias: lambda.Alias;

  constructor(scope: Construct, id: string, props: { search: lambda.Function; settings: DeploySettings }) {
    super(scope, id);
    const { settings } = props;
    // An alias on the published version, so provisioned concurrency (init done before traffic) can apply.
    this.alias = new lambda.Alias(this, 'Live', {
      aliasName: 'live',
      version: props.search.currentVersion,
      ...(settings.provisionedConcurrency > 0 && {
        provisionedConcurrentExecutions: settings.provisionedConcurrency,
      }),
    });
    const origins = settings.corsOrigins
      .split(',')
      .map((o) => o.trim())
      .filter(Boolean);
    this.api = new apigw.HttpApi(this, 'Http', {
      description: 'Threadfinder search',
      defaultIntegration: new HttpLambdaIntegration('Search', this.alias, {
        payloadFormatVersion: apigw.PayloadFormatVersion.VERSION_2_0,
      }),
      corsPreflight: {
        allowOrigins: origins,
        allowMethods: [apigw.CorsHttpMethod.GET, apigw.CorsHttpMethod.HEAD, apigw.CorsHttpMethod.POST],
        allowHeaders: ['content-type'],
        allowCredentials: false,
        maxAge: Duration.hours(1),
      },
      createDefaultStage: false,
    });
    const accessLogs = new logs.LogGroup(this, 'AccessLogs', {
      retention: settings.logRetentionDays as logs.RetentionDays,
    });
    const stage = new apigw.HttpStage(this, 'DefaultStage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit: settings.throttleRate, burstLimit: settings.throttleBurst },
      accessLogSettings: {
        destination: new apigw.LogGroupLogDestination(accessLogs),
        format: AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            ip: '$context.identity.sourceIp',
            time: '$context.requestTime',
            method: '$context.httpMethod',
            path: '$context.path',
            status: '$context.status',
            latencyMs: '$context.responseLatency',
            integrationError: '$context.integrationErrorMessage',
          }),
        ),
      },
    });
    new CfnOutput(scope, 'SearchUrl', {
      value: stage.url,
      description: 'The HTTPS search endpoint: the page at /, the API under /api/',
    });
  }
}
