import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { initWaitMs } from '#functions/search/handler.ts';
import { synthStack } from './synth.ts';

describe('search start-up and observability (synthesized)', () => {
  it('routes the API to a `live` alias without provisioned concurrency by default', () => {
    const { template } = synthStack();
    template.hasResourceProperties('AWS::Lambda::Alias', {
      Name: 'live',
      ProvisionedConcurrencyConfig: Match.absent(),
    });
    const integrations = template.findResources('AWS::ApiGatewayV2::Integration');
    const uri = JSON.stringify(Object.values(integrations)[0]?.Properties?.IntegrationUri);
    expect(uri).toMatch(/SearchLive/);
  });

  it('keeps the configured number of search environments initialised', () => {
    const { template } = synthStack({ provisionedConcurrency: '2' });
    template.hasResourceProperties('AWS::Lambda::Alias', {
      Name: 'live',
      ProvisionedConcurrencyConfig: { ProvisionedConcurrentExecutions: 2 },
    });
  });

  it('loads search dependencies during init: at most 9 s on demand, all of it when provisioned', () => {
    expect(initWaitMs({})).toBe(0);
    expect(initWaitMs({ AWS_LAMBDA_FUNCTION_NAME: 'f', AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand' })).toBe(
      9_000,
    );
    expect(
      initWaitMs({
        AWS_LAMBDA_FUNCTION_NAME: 'f',
        AWS_LAMBDA_INITIALIZATION_TYPE: 'provisioned-concurrency',
      }),
    ).toBe(Number.POSITIVE_INFINITY);
  });

  it('has one dashboard with images ok and failed by reason, ms per image, products stored and search latency', () => {
    const { template } = synthStack();
    const dashboards = template.findResources('AWS::CloudWatch::Dashboard');
    expect(Object.keys(dashboards)).toHaveLength(1);
    const body = JSON.stringify(Object.values(dashboards)[0]?.Properties?.DashboardBody);
    for (const metric of ['ImagesOk', 'ImagesFailed', 'MsPerImage', 'ProductsStored', 'SearchLatency']) {
      expect(body).toContain(metric);
    }
    expect(body).toContain('Threadfinder');
    expect(body).toMatch(/reason,service,stage/);
  });
});
