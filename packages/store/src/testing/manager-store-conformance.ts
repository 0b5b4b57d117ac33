/**
 * The behaviour every {@link ManagerStore} implementation must show, as a vitest suite: SQLite
 * and PostgreSQL run this same file, so the two cannot drift apart. It uses the port only; what
 * is particular to one database (files, schemas, migrations, racing connections) is tested beside
 * that implementation. Refusals are checked with their exact messages: callers show them to users.
 */
import type { CairnError, ErrorCode } from '@cairn/errors';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type {
  ManagerStore,
  MembershipRecord,
  ResourceKind,
  TenantRole,
  Visibility,
} from '../manager-store.js';
import { aPlugin, aResource, aSecret, aTenant, aToken, aUser } from './manager-fixtures.js';
import {
  type ConformanceDatabase,
  type ConformanceHarness,
  expectCairnError,
} from './store-conformance.js';

/** An hour after {@link T0}. */
const T1 = '2026-11-22T10:12:05.123Z';

/** The rejection of `promise`: a Cairn error with `code` and exactly `message`. */
async function expectRefusal(
  promise: Promise<unknown>,
  code: ErrorCode,
  message: string,
): Promise<CairnError> {
  const error = await expectCairnError(promise, code);
  expect(error.message).toBe(message);
  return error;
}

function membership(tenant: string, username: string, role: TenantRole): MembershipRecord {
  return { tenant, username, role };
}

/**
 * Declares the conformance suite for one ManagerStore implementation.
 *
 * @param name - shown in the test names, e.g. `sqlite file`
 * @param harness - creates the empty databases the tests run against
 */
export function describeManagerStoreConformance(
  name: string,
  harness: ConformanceHarness<ManagerStore>,
): void {
  describe(`ManagerStore conformance: ${name}`, () => {
    let database: ConformanceDatabase<ManagerStore>;
    let opened: ManagerStore[];
    let store: ManagerStore;

    /** Opens another store on the same database; closed after the test. */
    async function openAnother(): Promise<ManagerStore> {
      const another = await database.open();
      opened.push(another);
      return another;
    }

    beforeEach(async () => {
      database = await harness.createDatabase();
      opened = [];
      store = await openAnother();
    });

    afterEach(async () => {
      for (const each of opened) await each.close();
      await database.destroy();
    });

    /** Tenants `acme` and `beta`, users `alice` and `bob`. */
    async function directory(): Promise<void> {
      await store.createTenant(aTenant('acme'));
      await store.createTenant(aTenant('beta'));
      await store.createUser(aUser('alice'));
      await store.createUser(aUser('bob'));
    }

    const names = (list: readonly { name: string }[]): string[] => list.map((each) => each.name);
    const keys = (list: readonly { tenant: string; key: string }[]): string[] =>
      list.map((each) => `${each.tenant}/${each.key}`);
    const ids = (list: readonly { id: string }[]): string[] => list.map((each) => each.id);

    describe('tenants', () => {
      it('creates tenants and reads them back exactly, listed in creation order', async () => {
        await store.createTenant(aTenant('zeta'));
        await store.createTenant(aTenant('alpha', { created_at: T1 }));
        await store.createTenant(aTenant('mid'));
        expect(await store.getTenant('alpha')).toEqual(aTenant('alpha', { created_at: T1 }));
        expect(await store.getTenant('missing')).toBeUndefined();
        expect(names(await store.listTenants())).toEqual(['zeta', 'alpha', 'mid']);
      });

      it('takes names exactly: another case or a space makes another tenant', async () => {
        await store.createTenant(aTenant('acme'));
        await store.createTenant(aTenant('Acme'));
        await store.createTenant(aTenant('acme '));
        expect(await store.getTenant('ACME')).toBeUndefined();
        expect(names(await store.listTenants())).toEqual(['acme', 'Acme', 'acme ']);
      });

      it('refuses a tenant that exists, keeping the first', async () => {
        await store.createTenant(aTenant('acme'));
        const error = await expectRefusal(
          store.createTenant(aTenant('acme', { created_at: T1 })),
          'CONFLICT',
          'Tenant "acme" already exists',
        );
        expect(error.details).toEqual({ tenant: 'acme' });
        expect(await store.getTenant('acme')).toEqual(aTenant('acme'));
        expect(await store.listTenants()).toHaveLength(1);
      });

      it('deletes a tenant with its memberships, leaving users and other tenants', async () => {
        await directory();
        await store.setMembership(membership('acme', 'alice', 'manager'));
        await store.setMembership(membership('beta', 'alice', 'viewer'));
        await store.setMembership(membership('acme', 'bob', 'user'));

        await store.deleteTenant('acme');

        expect(await store.getTenant('acme')).toBeUndefined();
        expect(names(await store.listTenants())).toEqual(['beta']);
        expect(await store.listMemberships({ tenant: 'acme' })).toEqual([]);
        expect(await store.listMemberships({})).toEqual([membership('beta', 'alice', 'viewer')]);
        expect(await store.getUser('alice')).toEqual(aUser('alice'));
        expect(await store.getUser('bob')).toEqual(aUser('bob'));
        // The name is free again, and the old memberships do not come back with it.
        await store.createTenant(aTenant('acme'));
        expect(await store.listMemberships({ tenant: 'acme' })).toEqual([]);
      });

      it('refuses to delete a missing tenant', async () => {
        await store.createTenant(aTenant('acme'));
        const error = await expectRefusal(
          store.deleteTenant('Acme'),
          'NOT_FOUND',
          'Tenant "Acme" does not exist',
        );
        expect(error.details).toEqual({ tenant: 'Acme' });
        expect(await store.getTenant('acme')).toBeDefined();
      });

      /** One kind of record that keeps a tenant from being deleted. */
      interface Content {
        readonly what: string;
        add(on: ManagerStore): Promise<void>;
        remove(on: ManagerStore): Promise<void>;
        readonly message: string;
        readonly details: object;
      }
      const none = { secrets: 0, plugins: 0, blueprints: 0, deployments: 0, executions: 0 };
      const contents: readonly Content[] = [
        {
          what: 'a secret',
          add: (on) => on.createSecret(aSecret('acme', 'k')),
          remove: (on) => on.deleteSecret('acme', 'k'),
          message: 'Tenant "acme" still has 1 secret; delete them first',
          details: { ...none, secrets: 1 },
        },
        {
          what: 'a plugin',
          add: (on) => on.createPlugin(aPlugin('p1', 'acme')),
          remove: (on) => on.deletePlugin('p1'),
          message: 'Tenant "acme" still has 1 plugin; delete them first',
          details: { ...none, plugins: 1 },
        },
        {
          what: 'a blueprint',
          add: (on) => on.createResource(aResource('acme', 'blueprint', 'bp')),
          remove: (on) => on.deleteResource('acme', 'blueprint', 'bp'),
          message: 'Tenant "acme" still has 1 blueprint; delete them first',
          details: { ...none, blueprints: 1 },
        },
        {
          what: 'a deployment',
          add: (on) => on.createResource(aResource('acme', 'deployment', 'dep')),
          remove: (on) => on.deleteResource('acme', 'deployment', 'dep'),
          message: 'Tenant "acme" still has 1 deployment; delete them first',
          details: { ...none, deployments: 1 },
        },
        {
          what: 'an execution',
          add: (on) => on.createResource(aResource('acme', 'execution', 'ex1')),
          remove: (on) => on.deleteResource('acme', 'execution', 'ex1'),
          message: 'Tenant "acme" still has 1 execution; delete them first',
          details: { ...none, executions: 1 },
        },
      ];

      it.each(contents)('refuses to delete a tenant while it has $what', async (content) => {
        await directory();
        await store.setMembership(membership('acme', 'alice', 'manager'));
        await content.add(store);

        const error = await expectRefusal(store.deleteTenant('acme'), 'CONFLICT', content.message);
        expect(error.details).toEqual({ tenant: 'acme', ...content.details });
        // Nothing went: not the tenant, not its memberships.
        expect(await store.getTenant('acme')).toBeDefined();
        expect(await store.listMemberships({ tenant: 'acme' })).toHaveLength(1);

        await content.remove(store);
        await store.deleteTenant('acme');
        expect(await store.getTenant('acme')).toBeUndefined();
      });

      it('counts everything a tenant still has in the refusal', async () => {
        await directory();
        await store.createSecret(aSecret('acme', 'a'));
        await store.createSecret(aSecret('acme', 'b'));
        await store.createPlugin(aPlugin('p1', 'acme'));
        await store.createResource(aResource('acme', 'blueprint', 'bp'));
        await store.createResource(aResource('acme', 'deployment', 'd1'));
        await store.createResource(aResource('acme', 'deployment', 'd2'));
        await store.createResource(aResource('acme', 'execution', 'ex1'));
        const error = await expectRefusal(
          store.deleteTenant('acme'),
          'CONFLICT',
          'Tenant "acme" still has 2 secrets, 1 plugin, 1 blueprint, 2 deployments and ' +
            '1 execution; delete them first',
        );
        expect(error.details).toEqual({
          tenant: 'acme',
          secrets: 2,
          plugins: 1,
          blueprints: 1,
          deployments: 2,
          executions: 1,
        });
      });

      it('is not held back by other tenants’ records, global ones included', async () => {
        await directory();
        await store.createSecret(aSecret('beta', 'k', { visibility: 'global' }));
        await store.createPlugin(aPlugin('p1', 'beta', { visibility: 'global' }));
        await store.createResource(aResource('beta', 'blueprint', 'bp', { visibility: 'global' }));
        await store.deleteTenant('acme');
        expect(names(await store.listTenants())).toEqual(['beta']);
      });
    });

    describe('users', () => {
      const root = aUser('root', {
        role: 'sys_admin',
        active: false,
        created_at: T1,
        last_login_at: T1,
      });

      it('creates users and reads them back exactly, listed in creation order', async () => {
        await store.createUser(aUser('zoe'));
        await store.createUser(root);
        await store.createUser(aUser('alice'));
        expect(await store.getUser('root')).toEqual(root);
        expect(await store.getUser('zoe')).toEqual(aUser('zoe'));
        expect(await store.getUser('missing')).toBeUndefined();
        expect(await store.listUsers()).toEqual([aUser('zoe'), root, aUser('alice')]);
      });

      it('refuses a user that exists, and takes usernames exactly', async () => {
        await store.createUser(aUser('alice'));
        const error = await expectRefusal(
          store.createUser(aUser('alice', { role: 'sys_admin' })),
          'CONFLICT',
          'User "alice" already exists',
        );
        expect(error.details).toEqual({ username: 'alice' });
        expect(await store.getUser('alice')).toEqual(aUser('alice'));
        await store.createUser(aUser('Alice'));
        expect(await store.listUsers()).toEqual([aUser('alice'), aUser('Alice')]);
      });

      it('changes only the fields given and returns the user as stored', async () => {
        await store.createUser(aUser('alice'));
        await store.createUser(aUser('bob'));
        let expected = aUser('alice');
        const check = async (change: Parameters<ManagerStore['updateUser']>[1]): Promise<void> => {
          expected = { ...expected, ...change };
          expect(await store.updateUser('alice', change)).toEqual(expected);
          expect(await store.getUser('alice')).toEqual(expected);
        };

        await check({ password_hash: 'scrypt$new' });
        await check({ role: 'sys_admin', active: false });
        await check({ last_login_at: T1 });
        await check({});
        await check({ active: true, password_hash: 'scrypt$newer' });
        expect((await store.getUser('alice'))?.last_login_at).toBe(T1);
        await check({ last_login_at: null });
        // The other user is untouched.
        expect(await store.getUser('bob')).toEqual(aUser('bob'));
      });

      it('refuses to change a missing user', async () => {
        await store.createUser(aUser('alice'));
        const error = await expectRefusal(
          store.updateUser('ALICE', { active: false }),
          'NOT_FOUND',
          'User "ALICE" does not exist',
        );
        expect(error.details).toEqual({ username: 'ALICE' });
        expect(await store.getUser('alice')).toEqual(aUser('alice'));
      });

      it('deletes a user with their memberships and tokens, and only theirs', async () => {
        await directory();
        await store.setMembership(membership('acme', 'alice', 'manager'));
        await store.setMembership(membership('beta', 'alice', 'user'));
        await store.setMembership(membership('acme', 'bob', 'viewer'));
        await store.createToken(aToken('digest-alice-1', 'alice'));
        await store.createToken(aToken('digest-alice-2', 'alice'));
        await store.createToken(aToken('digest-bob', 'bob'));
        await store.createSecret(aSecret('acme', 'k', { created_by: 'alice' }));

        await store.deleteUser('alice');

        expect(await store.getUser('alice')).toBeUndefined();
        expect(await store.listUsers()).toEqual([aUser('bob')]);
        expect(await store.listMemberships({})).toEqual([membership('acme', 'bob', 'viewer')]);
        expect(await store.getToken('digest-alice-1')).toBeUndefined();
        expect(await store.getToken('digest-alice-2')).toBeUndefined();
        expect(await store.getToken('digest-bob')).toEqual(aToken('digest-bob', 'bob'));
        expect(await store.listTokens('alice')).toEqual([]);
        expect(await store.listTokens('bob')).toEqual([aToken('digest-bob', 'bob')]);
        // What they made keeps their name.
        expect((await store.getSecret('acme', 'k'))?.created_by).toBe('alice');
        // A new user of that name starts with nothing.
        await store.createUser(aUser('alice'));
        expect(await store.listMemberships({ username: 'alice' })).toEqual([]);
        expect(await store.getToken('digest-alice-1')).toBeUndefined();
        expect(await store.listTokens('alice')).toEqual([]);
        // The digests and ids of the tokens that went with them are free again.
        await store.createToken(aToken('digest-alice-1', 'alice'));
        expect(await store.listTokens('alice')).toEqual([aToken('digest-alice-1', 'alice')]);
      });

      it('refuses to delete a missing user', async () => {
        await expectRefusal(store.deleteUser('ghost'), 'NOT_FOUND', 'User "ghost" does not exist');
      });
    });

    describe('memberships', () => {
      it('lists memberships by tenant, by user, by both and all, in creation order', async () => {
        await directory();
        const all = [
          membership('beta', 'bob', 'operations'),
          membership('acme', 'alice', 'manager'),
          membership('beta', 'alice', 'viewer'),
          membership('acme', 'bob', 'user'),
        ];
        for (const each of all) await store.setMembership(each);

        expect(await store.listMemberships({})).toEqual(all);
        expect(await store.listMemberships({ tenant: 'acme' })).toEqual([all[1], all[3]]);
        expect(await store.listMemberships({ username: 'alice' })).toEqual([all[1], all[2]]);
        expect(await store.listMemberships({ tenant: 'beta', username: 'bob' })).toEqual([all[0]]);
        expect(await store.listMemberships({ tenant: 'Acme' })).toEqual([]);
        expect(await store.listMemberships({ username: 'nobody' })).toEqual([]);
      });

      it('changes a role in place, keeping one membership in its place', async () => {
        await directory();
        await store.setMembership(membership('acme', 'alice', 'viewer'));
        await store.setMembership(membership('acme', 'bob', 'user'));
        await store.setMembership(membership('acme', 'alice', 'manager'));
        expect(await store.listMemberships({ tenant: 'acme' })).toEqual([
          membership('acme', 'alice', 'manager'),
          membership('acme', 'bob', 'user'),
        ]);
      });

      it('refuses a membership of a missing tenant or user, storing nothing', async () => {
        await directory();
        let error = await expectRefusal(
          store.setMembership(membership('ACME', 'alice', 'user')),
          'NOT_FOUND',
          'Tenant "ACME" does not exist',
        );
        expect(error.details).toEqual({ tenant: 'ACME' });
        error = await expectRefusal(
          store.setMembership(membership('acme', 'carol', 'user')),
          'NOT_FOUND',
          'User "carol" does not exist',
        );
        expect(error.details).toEqual({ username: 'carol' });
        // Both missing: the tenant is named.
        await expectRefusal(
          store.setMembership(membership('nope', 'carol', 'user')),
          'NOT_FOUND',
          'Tenant "nope" does not exist',
        );
        expect(await store.listMemberships({})).toEqual([]);
      });

      it('removes a membership, and refuses one that is not there', async () => {
        await directory();
        await store.setMembership(membership('acme', 'alice', 'manager'));
        await store.setMembership(membership('acme', 'bob', 'user'));
        await store.setMembership(membership('beta', 'alice', 'user'));

        await store.removeMembership('acme', 'alice');
        expect(await store.listMemberships({})).toEqual([
          membership('acme', 'bob', 'user'),
          membership('beta', 'alice', 'user'),
        ]);

        const error = await expectRefusal(
          store.removeMembership('acme', 'alice'),
          'NOT_FOUND',
          'User "alice" is not a member of tenant "acme"',
        );
        expect(error.details).toEqual({ tenant: 'acme', username: 'alice' });
        await expectRefusal(
          store.removeMembership('nope', 'bob'),
          'NOT_FOUND',
          'User "bob" is not a member of tenant "nope"',
        );
        expect(await store.listMemberships({})).toHaveLength(2);
      });
    });

    describe('tokens', () => {
      it('stores tokens and finds them by digest, expired or not', async () => {
        await directory();
        const live = aToken('digest-1', 'alice');
        const expired = aToken('digest-2', 'bob', {
          description: 'CI',
          expires_at: '2020-01-01T00:00:00.000Z',
        });
        await store.createToken(live);
        await store.createToken(expired);
        expect(await store.getToken('digest-1')).toEqual(live);
        expect(await store.getToken('digest-2')).toEqual(expired);
        expect(await store.getToken('DIGEST-1')).toBeUndefined();
      });

      it('refuses a token of a missing user, and a digest that exists', async () => {
        await directory();
        const digest = 'f'.repeat(64);
        await store.createToken(aToken(digest, 'alice'));

        let error = await expectRefusal(
          store.createToken(aToken('digest-x', 'carol')),
          'NOT_FOUND',
          'User "carol" of the new API token does not exist',
        );
        expect(error.details).toEqual({ username: 'carol' });
        // Messages show the start of a digest only.
        error = await expectRefusal(
          store.createToken(aToken(digest, 'bob')),
          'CONFLICT',
          'API token "ffffffffffff…" already exists',
        );
        expect(error.details).toEqual({ digest: 'ffffffffffff' });
        expect(await store.getToken(digest)).toEqual(aToken(digest, 'alice'));
        expect(await store.getToken('digest-x')).toBeUndefined();
      });

      it('refuses an id that exists, keeping the first', async () => {
        await directory();
        const first = aToken('digest-1', 'alice', { id: 'k3x9' });
        await store.createToken(first);

        const error = await expectRefusal(
          store.createToken(aToken('digest-2', 'bob', { id: 'k3x9' })),
          'CONFLICT',
          'API token id "k3x9" already exists',
        );
        expect(error.details).toEqual({ id: 'k3x9' });
        expect(await store.getToken('digest-2')).toBeUndefined();
        // Both taken: the digest is named.
        await expectRefusal(
          store.createToken(aToken('digest-1', 'bob', { id: 'k3x9' })),
          'CONFLICT',
          'API token "digest-1" already exists',
        );
        // Ids are exact: another case is another id.
        const other = aToken('digest-3', 'bob', { id: 'K3X9' });
        await store.createToken(other);
        expect(await store.listTokens('alice')).toEqual([first]);
        expect(await store.listTokens('bob')).toEqual([other]);
      });

      it('lists a user’s tokens in creation order, expired or not, and only theirs', async () => {
        await directory();
        const tokens = [
          aToken('digest-3', 'alice', { id: 'zz9', created_at: T1 }),
          aToken('digest-1', 'bob', { id: 'bb1' }),
          aToken('digest-2', 'alice', { id: 'aa1', expires_at: '2020-01-01T00:00:00.000Z' }),
          aToken('digest-0', 'alice', { id: 'mm5', description: 'CI' }),
        ];
        for (const token of tokens) await store.createToken(token);

        expect(await store.listTokens('alice')).toEqual([tokens[0], tokens[2], tokens[3]]);
        expect(await store.listTokens('bob')).toEqual([tokens[1]]);
      });

      it('lists no tokens of a user who has none, or of an unknown user', async () => {
        await directory();
        await store.createToken(aToken('digest-1', 'alice'));
        expect(await store.listTokens('bob')).toEqual([]);
        expect(await store.listTokens('ALICE')).toEqual([]);
        expect(await store.listTokens('carol')).toEqual([]);
      });

      it('deletes a token, and refuses one that is not there', async () => {
        await directory();
        await store.createToken(aToken('digest-1', 'alice'));
        await store.createToken(aToken('digest-2', 'alice'));
        await store.deleteToken('digest-1');
        expect(await store.getToken('digest-1')).toBeUndefined();
        expect(await store.getToken('digest-2')).toBeDefined();
        expect(await store.listTokens('alice')).toEqual([aToken('digest-2', 'alice')]);
        await expectRefusal(
          store.deleteToken('digest-1'),
          'NOT_FOUND',
          'API token "digest-1" does not exist',
        );
      });

      it('deletes the tokens that expired before now, comparing instants', async () => {
        await directory();
        const now = '2026-11-22T09:12:05.123Z';
        const tokens = [
          aToken('long-gone', 'alice', { expires_at: '2026-11-21T09:12:05.123Z' }),
          aToken('expires-now', 'alice', { expires_at: now }),
          // 09:12:05.000 UTC: before now, though its text sorts after it.
          aToken('offset', 'bob', { expires_at: '2026-11-22T11:12:05.000+02:00' }),
          aToken('a-ms-ago', 'bob', { expires_at: '2026-11-22T09:12:05.122Z' }),
          aToken('tomorrow', 'bob', { expires_at: '2026-11-23T09:12:05.123Z' }),
        ];
        for (const token of tokens) await store.createToken(token);

        expect(await store.deleteExpiredTokens(now)).toBe(3);
        const left: string[] = [];
        for (const token of tokens) {
          if ((await store.getToken(token.digest)) !== undefined) left.push(token.digest);
        }
        expect(left).toEqual(['expires-now', 'tomorrow']);
        expect(await store.deleteExpiredTokens(now)).toBe(0);
      });

      it('refuses a now that is not a timestamp, deleting nothing', async () => {
        await directory();
        await store.createToken(aToken('old', 'alice', { expires_at: '2020-01-01T00:00:00Z' }));
        await expectCairnError(store.deleteExpiredTokens('soon'), 'INVALID_INPUT');
        expect(await store.getToken('old')).toBeDefined();
      });
    });

    describe('secrets', () => {
      it('stores a secret and reads it back exactly, ciphertext as given', async () => {
        await directory();
        const secret = aSecret('acme', 'db_password', {
          value: 'v1:gcm:AAECAwQFBgcICQoL:+/=\n',
          visibility: 'private',
          is_hidden_value: true,
          created_by: 'alice',
          updated_at: T1,
        });
        await store.createSecret(secret);
        expect(await store.getSecret('acme', 'db_password')).toEqual(secret);
        expect(await store.getSecret('beta', 'db_password')).toBeUndefined();
        expect(await store.getSecret('acme', 'DB_PASSWORD')).toBeUndefined();
      });

      it('keeps keys per tenant, exactly', async () => {
        await directory();
        await store.createSecret(aSecret('acme', 'db_password'));
        await store.createSecret(aSecret('beta', 'db_password'));
        await store.createSecret(aSecret('acme', 'DB_PASSWORD'));
        expect(keys(await store.listSecrets({ tenant: 'acme' }))).toEqual([
          'acme/db_password',
          'acme/DB_PASSWORD',
        ]);
      });

      it('refuses a key the tenant has, keeping the stored secret', async () => {
        await directory();
        await store.createSecret(aSecret('acme', 'db_password'));
        const error = await expectRefusal(
          store.createSecret(aSecret('acme', 'db_password', { value: 'other' })),
          'CONFLICT',
          'Secret "db_password" already exists in tenant "acme"',
        );
        expect(error.details).toEqual({ tenant: 'acme', key: 'db_password' });
        expect(await store.getSecret('acme', 'db_password')).toEqual(
          aSecret('acme', 'db_password'),
        );
      });

      it('refuses a secret of a missing tenant', async () => {
        await directory();
        const error = await expectRefusal(
          store.createSecret(aSecret('nope', 'k')),
          'NOT_FOUND',
          'Tenant "nope" of secret "k" does not exist',
        );
        expect(error.details).toEqual({ tenant: 'nope' });
        expect(await store.getSecret('nope', 'k')).toBeUndefined();
      });

      it('lists a tenant’s secrets and, on request, others’ global ones, in creation order', async () => {
        await directory();
        await store.createTenant(aTenant('gamma'));
        const made: [string, string, Visibility][] = [
          ['acme', 'a1', 'tenant'],
          ['beta', 'b1', 'global'],
          ['acme', 'a2', 'private'],
          ['beta', 'b2', 'tenant'],
          ['gamma', 'g1', 'global'],
          ['beta', 'b3', 'private'],
          ['acme', 'a3', 'global'],
        ];
        for (const [tenant, key, visibility] of made) {
          await store.createSecret(aSecret(tenant, key, { visibility }));
        }

        expect(await store.listSecrets({ tenant: 'acme' })).toEqual([
          aSecret('acme', 'a1'),
          aSecret('acme', 'a2', { visibility: 'private' }),
          aSecret('acme', 'a3', { visibility: 'global' }),
        ]);
        expect(keys(await store.listSecrets({ tenant: 'acme', includeGlobal: false }))).toEqual([
          'acme/a1',
          'acme/a2',
          'acme/a3',
        ]);
        expect(keys(await store.listSecrets({ tenant: 'acme', includeGlobal: true }))).toEqual([
          'acme/a1',
          'beta/b1',
          'acme/a2',
          'gamma/g1',
          'acme/a3',
        ]);
        expect(keys(await store.listSecrets({ tenant: 'beta', includeGlobal: true }))).toEqual([
          'beta/b1',
          'beta/b2',
          'gamma/g1',
          'beta/b3',
          'acme/a3',
        ]);
        expect(await store.listSecrets({ tenant: 'nope' })).toEqual([]);
        expect(keys(await store.listSecrets({ tenant: 'nope', includeGlobal: true }))).toEqual([
          'beta/b1',
          'gamma/g1',
          'acme/a3',
        ]);
      });

      it('changes only the fields given, sets updated_at, and returns the secret', async () => {
        await directory();
        await store.createSecret(aSecret('acme', 'k'));
        await store.createSecret(aSecret('acme', 'other'));
        let expected = aSecret('acme', 'k');
        const check = async (
          change: Parameters<ManagerStore['updateSecret']>[2],
        ): Promise<void> => {
          expected = { ...expected, ...change };
          expect(await store.updateSecret('acme', 'k', change)).toEqual(expected);
          expect(await store.getSecret('acme', 'k')).toEqual(expected);
        };

        await check({ value: 'v1:new-ciphertext', updated_at: T1 });
        await check({ is_hidden_value: true, updated_at: '2026-11-22T11:00:00.000Z' });
        await check({ visibility: 'global', updated_at: '2026-11-22T12:00:00.000Z' });
        await check({ is_hidden_value: false, updated_at: '2026-11-22T13:00:00.000Z' });
        expect(await store.getSecret('acme', 'other')).toEqual(aSecret('acme', 'other'));
      });

      it('widens a secret’s visibility but refuses to narrow it, changing nothing', async () => {
        await directory();
        await store.createSecret(aSecret('acme', 'k', { visibility: 'private' }));
        expect(
          (await store.updateSecret('acme', 'k', { visibility: 'private', updated_at: T1 }))
            .visibility,
        ).toBe('private');
        await store.updateSecret('acme', 'k', { visibility: 'tenant', updated_at: T1 });
        await store.updateSecret('acme', 'k', { visibility: 'global', updated_at: T1 });
        const before = await store.getSecret('acme', 'k');

        const error = await expectRefusal(
          store.updateSecret('acme', 'k', {
            value: 'v1:changed',
            visibility: 'tenant',
            updated_at: '2026-11-23T00:00:00.000Z',
          }),
          'CONFLICT',
          'Secret "k" of tenant "acme" is global; its visibility can only be widened, not set ' +
            'to "tenant"',
        );
        expect(error.details).toEqual({ visibility: 'global', requested_visibility: 'tenant' });
        expect(await store.getSecret('acme', 'k')).toEqual(before);
      });

      it('refuses to change a missing secret', async () => {
        await directory();
        await store.createSecret(aSecret('beta', 'k'));
        const error = await expectRefusal(
          store.updateSecret('acme', 'k', { value: 'x', updated_at: T1 }),
          'NOT_FOUND',
          'Secret "k" of tenant "acme" does not exist',
        );
        expect(error.details).toEqual({ tenant: 'acme', key: 'k' });
        expect(await store.getSecret('beta', 'k')).toEqual(aSecret('beta', 'k'));
      });

      it('deletes a secret, and refuses one that is not there', async () => {
        await directory();
        await store.createSecret(aSecret('acme', 'k'));
        await store.createSecret(aSecret('beta', 'k'));
        await store.deleteSecret('acme', 'k');
        expect(await store.getSecret('acme', 'k')).toBeUndefined();
        expect(await store.getSecret('beta', 'k')).toBeDefined();
        await expectRefusal(
          store.deleteSecret('acme', 'k'),
          'NOT_FOUND',
          'Secret "k" of tenant "acme" does not exist',
        );
      });
    });

    describe('plugins', () => {
      it('stores a plugin upload and reads it back exactly', async () => {
        await directory();
        const plugin = aPlugin('p1', 'acme', {
          title: null,
          visibility: 'private',
          // Key order is kept: a manifest is shown as uploaded.
          manifest: { zeta: 1, alpha: { plugin_yaml: ['b.yaml', 'a.yaml'] }, entry: null },
        });
        await store.createPlugin(plugin);
        expect(await store.getPlugin('p1')).toEqual(plugin);
        expect(JSON.stringify((await store.getPlugin('p1'))?.manifest)).toBe(
          JSON.stringify(plugin.manifest),
        );
        expect(await store.getPlugin('P1')).toBeUndefined();
      });

      it('refuses a second upload of a package version to a tenant, naming the first', async () => {
        await directory();
        await store.createPlugin(aPlugin('p1', 'acme'));
        const error = await expectRefusal(
          store.createPlugin(aPlugin('p2', 'acme', { archive_name: 'again.cairn-plugin' })),
          'CONFLICT',
          'Tenant "acme" already has plugin "cairn-file-plugin" version "1.0.0" (id "p1"); ' +
            'delete it first to upload it again',
        );
        expect(error.details).toEqual({
          tenant: 'acme',
          package_name: 'cairn-file-plugin',
          package_version: '1.0.0',
          plugin_id: 'p1',
        });
        expect(await store.getPlugin('p2')).toBeUndefined();

        // Another version, another tenant, another spelling: all different uploads.
        await store.createPlugin(aPlugin('p3', 'acme', { package_version: '1.0.1' }));
        await store.createPlugin(aPlugin('p4', 'beta'));
        await store.createPlugin(aPlugin('p5', 'acme', { package_name: 'Cairn-File-Plugin' }));
        expect(ids(await store.listPlugins({}))).toEqual(['p1', 'p3', 'p4', 'p5']);
      });

      it('refuses an id that is taken, in whichever tenant', async () => {
        await directory();
        await store.createPlugin(aPlugin('p1', 'acme'));
        const error = await expectRefusal(
          store.createPlugin(aPlugin('p1', 'beta', { package_version: '2.0.0' })),
          'CONFLICT',
          'Plugin "p1" already exists (in tenant "acme")',
        );
        expect(error.details).toEqual({ plugin_id: 'p1', tenant: 'acme' });
        expect(await store.getPlugin('p1')).toEqual(aPlugin('p1', 'acme'));
        expect(await store.listPlugins({ tenant: 'beta' })).toEqual([]);
      });

      it('refuses a plugin of a missing tenant before anything else', async () => {
        await directory();
        await store.createPlugin(aPlugin('p1', 'acme'));
        const error = await expectRefusal(
          store.createPlugin(aPlugin('p1', 'nope')),
          'NOT_FOUND',
          'Tenant "nope" of plugin "p1" does not exist',
        );
        expect(error.details).toEqual({ tenant: 'nope' });
        expect(ids(await store.listPlugins({}))).toEqual(['p1']);
      });

      it('lists plugins by tenant, with others’ global ones, by package name, in creation order', async () => {
        await directory();
        await store.createTenant(aTenant('gamma'));
        const aws = { package_name: 'cloudify-aws-plugin' };
        await store.createPlugin(aPlugin('a1', 'acme'));
        await store.createPlugin(aPlugin('b1', 'beta', { visibility: 'global' }));
        await store.createPlugin(aPlugin('a2', 'acme', { ...aws, visibility: 'private' }));
        await store.createPlugin(aPlugin('g1', 'gamma', { ...aws, visibility: 'global' }));
        await store.createPlugin(aPlugin('b2', 'beta', { ...aws }));
        await store.createPlugin(aPlugin('g2', 'gamma', { visibility: 'tenant' }));

        expect(await store.listPlugins({ tenant: 'acme' })).toEqual([
          aPlugin('a1', 'acme'),
          aPlugin('a2', 'acme', { ...aws, visibility: 'private' }),
        ]);
        expect(ids(await store.listPlugins({ tenant: 'acme', includeGlobal: true }))).toEqual([
          'a1',
          'b1',
          'a2',
          'g1',
        ]);
        expect(ids(await store.listPlugins({ tenant: 'beta', includeGlobal: true }))).toEqual([
          'b1',
          'g1',
          'b2',
        ]);
        expect(
          ids(await store.listPlugins({ tenant: 'acme', includeGlobal: true, ...aws })),
        ).toEqual(['a2', 'g1']);
        expect(ids(await store.listPlugins({ tenant: 'acme', ...aws }))).toEqual(['a2']);
        expect(ids(await store.listPlugins({}))).toEqual(['a1', 'b1', 'a2', 'g1', 'b2', 'g2']);
        expect(ids(await store.listPlugins({ ...aws }))).toEqual(['a2', 'g1', 'b2']);
        expect(await store.listPlugins({ tenant: 'nope' })).toEqual([]);
        expect(await store.listPlugins({ package_name: 'none' })).toEqual([]);
      });

      it('widens a plugin’s visibility, and refuses to narrow it or to change a missing one', async () => {
        await directory();
        await store.createPlugin(aPlugin('p1', 'acme', { visibility: 'private' }));
        expect(await store.setPluginVisibility('p1', 'tenant')).toEqual(
          aPlugin('p1', 'acme', { visibility: 'tenant' }),
        );
        expect(await store.setPluginVisibility('p1', 'tenant')).toEqual(
          aPlugin('p1', 'acme', { visibility: 'tenant' }),
        );
        const error = await expectRefusal(
          store.setPluginVisibility('p1', 'private'),
          'CONFLICT',
          'Plugin "p1" is tenant; its visibility can only be widened, not set to "private"',
        );
        expect(error.details).toEqual({ visibility: 'tenant', requested_visibility: 'private' });
        expect(await store.setPluginVisibility('p1', 'global')).toEqual(
          aPlugin('p1', 'acme', { visibility: 'global' }),
        );
        await expectCairnError(store.setPluginVisibility('p1', 'tenant'), 'CONFLICT');
        expect((await store.getPlugin('p1'))?.visibility).toBe('global');

        const missing = await expectRefusal(
          store.setPluginVisibility('nope', 'global'),
          'NOT_FOUND',
          'Plugin "nope" does not exist',
        );
        expect(missing.details).toEqual({ plugin_id: 'nope' });
      });

      it('deletes a plugin, after which its version may be uploaded again', async () => {
        await directory();
        await store.createPlugin(aPlugin('p1', 'acme'));
        await store.createPlugin(aPlugin('p2', 'acme', { package_version: '2.0.0' }));
        await store.deletePlugin('p1');
        expect(await store.getPlugin('p1')).toBeUndefined();
        expect(ids(await store.listPlugins({ tenant: 'acme' }))).toEqual(['p2']);
        await store.createPlugin(aPlugin('p3', 'acme'));
        expect(ids(await store.listPlugins({ tenant: 'acme' }))).toEqual(['p2', 'p3']);
        await expectRefusal(store.deletePlugin('p1'), 'NOT_FOUND', 'Plugin "p1" does not exist');
      });
    });

    describe('resources', () => {
      const kinds: readonly ResourceKind[] = ['blueprint', 'deployment', 'execution'];
      const labels: Record<ResourceKind, string> = {
        blueprint: 'Blueprint',
        deployment: 'Deployment',
        execution: 'Execution',
      };

      it('records who owns a resource and reads it back exactly; kinds are apart', async () => {
        await directory();
        const blueprint = aResource('acme', 'blueprint', 'app', { created_by: 'alice' });
        const deployment = aResource('acme', 'deployment', 'app', {
          visibility: 'private',
          created_at: T1,
        });
        // An execution's record says who started it.
        const execution = aResource('acme', 'execution', 'app', { created_by: 'bob' });
        await store.createResource(blueprint);
        await store.createResource(deployment);
        await store.createResource(execution);
        expect(await store.getResource('acme', 'blueprint', 'app')).toEqual(blueprint);
        expect(await store.getResource('acme', 'deployment', 'app')).toEqual(deployment);
        expect(await store.getResource('acme', 'execution', 'app')).toEqual(execution);
        expect(await store.getResource('beta', 'blueprint', 'app')).toBeUndefined();
        expect(await store.getResource('acme', 'blueprint', 'App')).toBeUndefined();
      });

      it.each(kinds)('refuses a %s the tenant has, allowing the id in another', async (kind) => {
        await directory();
        await store.createResource(aResource('acme', kind, 'app'));
        const error = await expectRefusal(
          store.createResource(aResource('acme', kind, 'app', { created_by: 'bob' })),
          'CONFLICT',
          `${labels[kind]} "app" already exists in tenant "acme"`,
        );
        expect(error.details).toEqual({ tenant: 'acme', kind, id: 'app' });
        expect(await store.getResource('acme', kind, 'app')).toEqual(
          aResource('acme', kind, 'app'),
        );
        await store.createResource(aResource('beta', kind, 'app'));
        expect(await store.getResource('beta', kind, 'app')).toBeDefined();
      });

      it('refuses a resource of a missing tenant', async () => {
        await directory();
        const error = await expectRefusal(
          store.createResource(aResource('nope', 'deployment', 'app')),
          'NOT_FOUND',
          'Tenant "nope" of deployment "app" does not exist',
        );
        expect(error.details).toEqual({ tenant: 'nope' });
        expect(await store.getResource('nope', 'deployment', 'app')).toBeUndefined();
      });

      it('lists a tenant’s resources of a kind and, on request, others’ global ones', async () => {
        await directory();
        await store.createTenant(aTenant('gamma'));
        await store.createResource(aResource('acme', 'deployment', 'd1'));
        await store.createResource(aResource('beta', 'deployment', 'd2', { visibility: 'global' }));
        await store.createResource(aResource('acme', 'blueprint', 'b1'));
        await store.createResource(aResource('beta', 'blueprint', 'b2', { visibility: 'global' }));
        await store.createResource(
          aResource('acme', 'deployment', 'd3', { visibility: 'private' }),
        );
        await store.createResource(aResource('gamma', 'deployment', 'd4'));
        await store.createResource(
          aResource('gamma', 'deployment', 'd5', { visibility: 'global' }),
        );

        expect(await store.listResources({ tenant: 'acme', kind: 'deployment' })).toEqual([
          aResource('acme', 'deployment', 'd1'),
          aResource('acme', 'deployment', 'd3', { visibility: 'private' }),
        ]);
        expect(
          ids(
            await store.listResources({ tenant: 'acme', kind: 'deployment', includeGlobal: true }),
          ),
        ).toEqual(['d1', 'd2', 'd3', 'd5']);
        expect(
          ids(
            await store.listResources({ tenant: 'acme', kind: 'blueprint', includeGlobal: true }),
          ),
        ).toEqual(['b1', 'b2']);
        expect(ids(await store.listResources({ tenant: 'beta', kind: 'blueprint' }))).toEqual([
          'b2',
        ]);
        expect(await store.listResources({ tenant: 'acme', kind: 'execution' })).toEqual([]);
        expect(await store.listResources({ tenant: 'nope', kind: 'deployment' })).toEqual([]);
      });

      it('widens a resource’s visibility, and refuses to narrow it or to change a missing one', async () => {
        await directory();
        await store.createResource(aResource('acme', 'blueprint', 'app'));
        expect(await store.setResourceVisibility('acme', 'blueprint', 'app', 'global')).toEqual(
          aResource('acme', 'blueprint', 'app', { visibility: 'global' }),
        );
        const error = await expectRefusal(
          store.setResourceVisibility('acme', 'blueprint', 'app', 'private'),
          'CONFLICT',
          'Blueprint "app" of tenant "acme" is global; its visibility can only be widened, not ' +
            'set to "private"',
        );
        expect(error.details).toEqual({ visibility: 'global', requested_visibility: 'private' });
        expect((await store.getResource('acme', 'blueprint', 'app'))?.visibility).toBe('global');

        const missing = await expectRefusal(
          store.setResourceVisibility('acme', 'deployment', 'app', 'global'),
          'NOT_FOUND',
          'Deployment "app" of tenant "acme" does not exist',
        );
        expect(missing.details).toEqual({ tenant: 'acme', kind: 'deployment', id: 'app' });
      });

      it('deletes a resource, and does nothing when it is gone already', async () => {
        await directory();
        await store.createResource(aResource('acme', 'blueprint', 'app'));
        await store.createResource(aResource('acme', 'deployment', 'app'));
        await store.createResource(aResource('acme', 'execution', 'app'));
        await store.createResource(aResource('beta', 'blueprint', 'app'));
        await store.deleteResource('acme', 'blueprint', 'app');
        expect(await store.getResource('acme', 'blueprint', 'app')).toBeUndefined();
        expect(await store.getResource('acme', 'deployment', 'app')).toBeDefined();
        expect(await store.getResource('acme', 'execution', 'app')).toBeDefined();
        expect(await store.getResource('beta', 'blueprint', 'app')).toBeDefined();
        await store.deleteResource('acme', 'blueprint', 'app');
        await store.deleteResource('nope', 'deployment', 'nothing');
        // The id is free again.
        await store.createResource(aResource('acme', 'blueprint', 'app'));
      });
    });

    describe('bad input', () => {
      /** Everything the directory holds, to show that a refused call changed nothing. */
      async function everything(): Promise<unknown> {
        const tenants = await store.listTenants();
        const perTenant = await Promise.all(
          tenants.map(async ({ name: tenant }) => ({
            secrets: await store.listSecrets({ tenant }),
            blueprints: await store.listResources({ tenant, kind: 'blueprint' }),
            deployments: await store.listResources({ tenant, kind: 'deployment' }),
            executions: await store.listResources({ tenant, kind: 'execution' }),
          })),
        );
        return {
          tenants,
          users: await store.listUsers(),
          memberships: await store.listMemberships({}),
          plugins: await store.listPlugins({}),
          perTenant,
        };
      }

      const cases: readonly [string, (on: ManagerStore) => Promise<unknown>][] = [
        ['user role', (on) => on.createUser(aUser('u1', { role: 'root' as never }))],
        ['user active flag', (on) => on.createUser(aUser('u1', { active: 'yes' as never }))],
        ['user change', (on) => on.updateUser('alice', { role: 'root' as never })],
        ['tenant name', (on) => on.createTenant(aTenant(undefined as never))],
        [
          'membership role',
          (on) => on.setMembership(membership('acme', 'alice', 'owner' as never)),
        ],
        [
          'secret visibility',
          (on) => on.createSecret(aSecret('acme', 'k2', { visibility: 'public' as never })),
        ],
        [
          'secret flag',
          (on) => on.createSecret(aSecret('acme', 'k2', { is_hidden_value: 1 as never })),
        ],
        [
          'secret change',
          (on) => on.updateSecret('acme', 'k', { visibility: 'all' as never, updated_at: T1 }),
        ],
        ['plugin visibility', (on) => on.setPluginVisibility('p1', 'public' as never)],
        [
          'resource kind',
          (on) => on.createResource(aResource('acme', 'node_instance' as never, 'x')),
        ],
      ];

      it.each(cases)(
        'refuses a bad %s as INVALID_INPUT, changing nothing',
        async (_what, attempt) => {
          await directory();
          await store.createPlugin(aPlugin('p1', 'acme'));
          await store.createSecret(aSecret('acme', 'k'));
          await store.createResource(aResource('acme', 'blueprint', 'bp'));
          const before = await everything();
          await expectCairnError(attempt(store), 'INVALID_INPUT');
          expect(await everything()).toEqual(before);
        },
      );

      it('refuses a manifest JSON cannot hold, naming the field', async () => {
        await directory();
        const error = await expectCairnError(
          store.createPlugin(aPlugin('p1', 'acme', { manifest: { size: 10n } as never })),
          'INVALID_INPUT',
        );
        expect(error.message).toContain('manifest');
        expect(await store.getPlugin('p1')).toBeUndefined();
      });
    });

    describe('several stores on one database', () => {
      it('shows each store what the other wrote', async () => {
        const other = await openAnother();
        await directory();
        await other.setMembership(membership('acme', 'alice', 'manager'));
        expect(await store.listMemberships({ tenant: 'acme' })).toEqual([
          membership('acme', 'alice', 'manager'),
        ]);
        await expectCairnError(other.createTenant(aTenant('acme')), 'CONFLICT');
      });

      it('keeps the directory across close and reopen', async () => {
        await directory();
        await store.setMembership(membership('acme', 'bob', 'operations'));
        await store.createToken(aToken('digest-1', 'bob'));
        await store.createSecret(aSecret('acme', 'k'));
        await store.createPlugin(aPlugin('p1', 'acme'));
        await store.createResource(aResource('acme', 'deployment', 'dep'));
        await store.close();

        const reopened = await openAnother();
        expect(names(await reopened.listTenants())).toEqual(['acme', 'beta']);
        expect(await reopened.listUsers()).toEqual([aUser('alice'), aUser('bob')]);
        expect(await reopened.listMemberships({})).toEqual([
          membership('acme', 'bob', 'operations'),
        ]);
        expect(await reopened.getToken('digest-1')).toEqual(aToken('digest-1', 'bob'));
        expect(await reopened.listTokens('bob')).toEqual([aToken('digest-1', 'bob')]);
        expect(await reopened.getSecret('acme', 'k')).toEqual(aSecret('acme', 'k'));
        expect(await reopened.getPlugin('p1')).toEqual(aPlugin('p1', 'acme'));
        expect(await reopened.getResource('acme', 'deployment', 'dep')).toEqual(
          aResource('acme', 'deployment', 'dep'),
        );
      });

      it('closes idempotently and refuses calls once closed', async () => {
        await store.close();
        await store.close();
        const error = await expectCairnError(store.listTenants(), 'USAGE');
        expect(error.message).toContain('closed');
      });
    });
  });
}
