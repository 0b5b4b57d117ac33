import { InvalidInputError } from '@cairn/errors';
import pg from 'pg';

/**
 * Which server, database and schema a store uses, described for messages. Never holds the
 * connection string: it may carry a password, and messages end up in logs and terminals.
 */
export interface ServerTarget {
  /** `host:port` (or `socket-folder:port`). */
  readonly address: string;
  readonly database: string;
  readonly user: string;
  /** The schema holding the store's tables. */
  readonly schema: string;
  /** `127.0.0.1:5432/cairn (schema "public")`: what messages call the database. */
  readonly label: string;
  /** `text` with the password, should it appear, masked. */
  redact(text: string): string;
}

/**
 * Describes where `connectionString` leads, resolved as the driver resolves it (the URL, then the
 * PG* environment variables, then its defaults), so that messages name the server it really tried.
 *
 * @throws InvalidInputError when the string cannot be parsed; the message does not repeat it.
 */
export function describeTarget(connectionString: string, schema: string): ServerTarget {
  let client: pg.Client;
  try {
    // Parses the parameters (and reads the TLS files they name) without connecting.
    client = new pg.Client({ connectionString });
  } catch (error) {
    // Not kept as the cause: the parser's error may hold its input, password included. Its
    // message is shown only when it quotes no credentials (`Invalid URL`, a missing TLS file).
    const message = error instanceof Error ? error.message : '';
    const safe = message !== '' && !message.includes(connectionString) && !/\/\/\S*@/.test(message);
    throw new InvalidInputError(
      `The PostgreSQL connection string is not valid${safe ? ` (${message})` : ''}: expected ` +
        'postgres://user:password@host:port/database',
    );
  }
  const address = `${client.host}:${String(client.port)}`;
  const database = client.database ?? '';
  const user = client.user ?? '';
  const password = typeof client.password === 'string' ? client.password : '';
  return {
    address,
    database,
    user,
    schema,
    label: `${address}/${database} (schema "${schema}")`,
    redact(text: string): string {
      // A very short password would mask innocent letters everywhere; such a password is no
      // secret anyway.
      return password.length >= 4 ? text.split(password).join('***') : text;
    },
  };
}

/** `"name"`, quoted for SQL (the store only accepts names that need no escaping). */
export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/**
 * A stable 32-bit key for `text`, for advisory locks that must be the same in every Cairn process
 * sharing a database, whatever its version: FNV-1a, fixed here forever. As a signed integer,
 * which is what PostgreSQL's `int4` takes.
 */
export function lockKey(text: string): number {
  let hash = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(text)) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193);
  }
  return hash | 0;
}
