import { describe, expect, it } from 'vitest';
import { INGEST_STATES as S } from '#infra/ingest-states.ts';
import { synthesizeIngestDefinition } from '#local/ingest-definition.ts';
import { type AslState, asDefinition, forEachState } from '#map-runner/asl.ts';

// In the cloud an environment fault fails the batch and Step Functions retries it: EnvironmentFault must reach
// a Retry with attempts left, never the not-retried rule that InputError meets.

interface Retrier {
  ErrorEquals: string[];
  MaxAttempts?: number;
}

/** The first Retry rule of `state` that matches `error`, as Step Functions picks it. */
function retrierFor(state: AslState, error: string): Retrier | undefined {
  const rules = (state.Retry ?? []) as Retrier[];
  return rules.find((r) => r.ErrorEquals.includes(error) || r.ErrorEquals.includes('States.ALL'));
}

describe('the synthesized definition and EnvironmentFault', () => {
  it('retries an EnvironmentFault in each batch stage, as it does not retry InputError', () => {
    // Prepare
    const states = new Map<string, AslState>();
    forEachState(asDefinition(synthesizeIngestDefinition(), 'definition'), (name, state) =>
      states.set(name, state),
    );
    // Act
    const rules = [S.download, S.segment, S.embed].map((name) => ({
      name,
      fault: retrierFor(states.get(name) as AslState, 'EnvironmentFault'),
      input: retrierFor(states.get(name) as AslState, 'InputError'),
    }));
    // Assess
    for (const { fault, input } of rules) {
      expect(fault).toBeDefined();
      expect(fault?.MaxAttempts ?? 3).toBeGreaterThan(0); // 3: the ASL default
      expect(input?.MaxAttempts).toBe(0);
    }
  }, 60_000);
});
