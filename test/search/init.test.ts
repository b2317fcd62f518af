import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** Imports the deployed search entry in a fresh Node process, as Lambda's init does, and calls it once. */
function lambdaInit(
  env: Record<string, string>,
): Promise<{ code: number; stdout: string; stderr: string; ms: number }> {
  const script = [
    'const t = performance.now();',
    "const { handler } = await import('./cloud/lambda/search.ts');",
    'const loaded = performance.now() - t;',
    "const event = { version: '2.0', rawPath: '/healthz', requestContext: { http: { method: 'GET' } }, headers: {} };",
    'const answer = await handler(event, {}).catch((e) => ({ error: e.message }));',
    'console.log(JSON.stringify({ loaded, answer }));',
  ].join('\n');
  return new Promise((resolve) => {
    const started = Date.now();
    execFile(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', script],
      { cwd: root, env: { ...withoutBucket(process.env), ...env }, timeout: 60_000 },
      (error, stdout, stderr) =>
        resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr, ms: Date.now() - started }),
    );
  });
}

function withoutBucket(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const { THREADFINDER_BUCKET: _, ...rest } = env;
  return rest;
}

describe('the deployed search entry (init at module scope)', () => {
  it('builds its dependencies during init in Lambda, and leaves a failed build to the first request', async () => {
    // Prepare: a function deployed without its settings fails to build at once
    const env = { AWS_LAMBDA_FUNCTION_NAME: 'tf-search', AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand' };
    // Act
    const run = await lambdaInit(env);
    // Assess: init completed (no crash), the request retried the build and said what is missing
    expect(run.code).toBe(0);
    const out = JSON.parse(run.stdout.trim().split('\n').at(-1) ?? '{}');
    expect(out.answer.error).toMatch(/THREADFINDER_BUCKET is not set/);
    expect(run.stderr).toContain('"message":"search failed"');
  }, 90_000);
});
