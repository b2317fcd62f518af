import type { AslDefinition } from './asl.ts';
import { UnsupportedDefinitionError } from './errors.ts';
import { StateMachine } from './interpreter.ts';

const compiled = new Map<string, StateMachine>();

/**
 * A StateMachine for `definition`, validated by the interpreter once per distinct definition (validation takes
 * hundreds of milliseconds; a StateMachine runs any number of independent executions). ARNs are not checked:
 * local Task states name no real resource.
 */
export function compile(definition: AslDefinition, where: string): StateMachine {
  const key = JSON.stringify(definition);
  const known = compiled.get(key);
  if (known) return known;
  let machine: StateMachine;
  try {
    machine = new StateMachine(definition as never, { validationOptions: { checkArn: false } });
  } catch (error) {
    throw new UnsupportedDefinitionError(
      `${where}: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  compiled.set(key, machine);
  return machine;
}
