import { InputError } from '#core/errors.ts';
import type { ApiRequest } from './api-types.ts';
import { shown } from './responses.ts';

/** Routes that take no query parameters refuse any, naming them: `400 unknown_parameter`. */
export function refuseParameters(query: ApiRequest['query']): void {
  const names = query instanceof URLSearchParams ? [...query.keys()] : Object.keys(query);
  if (names.length > 0) {
    const shownNames = [...new Set(names)].map((n) => JSON.stringify(shown(n))).join(', ');
    throw new InputError(`unknown parameter ${shownNames}; this route takes none`, 'unknown_parameter');
  }
}
