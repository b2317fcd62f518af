import './polyfill.ts';

export type { RunOptions, StateMachineDefinition } from 'aws-local-stepfunctions';
/** The only entry to aws-local-stepfunctions: importing through here installs the Node 20 polyfill first. */
export {
  ExecutionAbortedError,
  ExecutionError,
  ExecutionTimeoutError,
  StateMachine,
} from 'aws-local-stepfunctions';
