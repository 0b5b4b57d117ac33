/** JSON columns, the same in every store: what may be stored, and the error when it cannot. */
import { InvalidInputError } from '@cairn/errors';

/**
 * JSON text for a column. A value JSON cannot represent (a BigInt, a cycle, `undefined`) is the
 * caller's mistake: it is refused with the field's name rather than stored as something else.
 */
export function toJson(value: unknown, field: string): string {
  let text: string | undefined;
  try {
    // Typed as string, but undefined for undefined, functions and symbols.
    text = JSON.stringify(value);
  } catch (error) {
    throw new InvalidInputError(`${field} cannot be stored as JSON`, { cause: error });
  }
  if (text === undefined) throw new InvalidInputError(`${field} cannot be stored as JSON`);
  return text;
}
