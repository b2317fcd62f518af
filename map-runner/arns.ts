/** ARNs of local executions: the shape AWS uses, in region `local` of account 000000000000. */
const PREFIX = 'arn:aws:states:local:000000000000';

/** Names the parent execution a Map Run belongs to. */
export interface ExecutionNames {
  stateMachineName: string;
  executionName: string;
}

/** The `$$.Execution.Id` of a local execution. */
export function executionArn(stateMachineName: string, executionName: string): string {
  return `${PREFIX}:execution:${stateMachineName}:${executionName}`;
}

/** The `$$.StateMachine.Id` of a local state machine. */
export function stateMachineArn(stateMachineName: string): string {
  return `${PREFIX}:stateMachine:${stateMachineName}`;
}

/** ARNs of one Map Run and of its child executions, as AWS forms them from the Map's label. */
export function mapRunArns(stateMachineName: string, label: string, mapRunId: string) {
  return {
    mapRunArn: `${PREFIX}:mapRun:${stateMachineName}/${label}:${mapRunId}`,
    childStateMachineArn: `${PREFIX}:stateMachine:${stateMachineName}/${label}`,
    childExecutionArn: (childName: string) => `${PREFIX}:execution:${stateMachineName}/${label}:${childName}`,
  };
}
