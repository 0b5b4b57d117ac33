/** Boolean columns, the same in every store: what may be stored, and the error when it cannot. */
import { InvalidInputError } from '@cairn/errors';

/**
 * `value`, which must be a boolean. Checked rather than coerced: SQLite would store anything
 * truthy as 1 and PostgreSQL would read `'yes'` as true, so a mistake would be stored as a
 * different fact instead of being refused.
 */
export function toBoolean(value: unknown, field: string): boolean {
  if (typeof value !== 'boolean') {
    throw new InvalidInputError(`${field} must be true or false, not ${JSON.stringify(value)}`);
  }
  return value;
}
