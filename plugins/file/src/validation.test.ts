/**
 * Properties checked at create time: a bad value fails the install for good with the node and
 * property named, before anything is written. And the owner, set and looked up.
 */
import { existsSync, statSync } from 'node:fs';
import { userInfo } from 'node:os';
import { afterAll, describe, expect, it } from 'vitest';
import { scratch, withDeployment } from './testing/kit.js';

const s = scratch();
afterAll(() => {
  s.remove();
});

/** Installs one File node `f` with `properties` (a YAML flow mapping's entries). */
async function installFile(
  name: string,
  properties: string,
): Promise<{ status: string; error: string }> {
  const blueprint = s.blueprint(
    name,
    `node_templates:
  f:
    type: cairn.nodes.File
    properties: { ${properties} }
`,
  );
  return withDeployment({ blueprint }, (deployment) => deployment.install());
}

describe('property checks', () => {
  it.each([
    [
      'two sources',
      `content: a, template: t.j2`,
      "node 'f': takes only one of the properties 'content', 'resource' and 'template', not 'content' and 'template' together",
    ],
    ['no source', ``, "node 'f': needs one of the properties 'content', 'resource' or 'template'"],
    [
      'a mode with a 9',
      `content: a, mode: '999'`,
      `node 'f': property 'mode' is "999", not a file mode: give octal digits`,
    ],
    [
      'an unquoted 0755 (the number 493)',
      `content: a, mode: 0755`,
      "property 'mode' is 493, not a file mode: give octal digits, as a string ('0644') or an integer (644) (an unquoted 0755 is the number 493 in YAML 1.1: write '0755' or 755)",
    ],
    [
      'a relative path',
      `path: etc/motd, content: a`,
      `node 'f': property 'path' must be an absolute path, not "etc/motd"`,
    ],
    [
      'an unknown user',
      `content: a, owner: 'cairn-no-such-user:root'`,
      `node 'f': property 'owner' is "cairn-no-such-user:root": there is no user 'cairn-no-such-user' on this machine`,
    ],
    [
      'a missing resource',
      `resource: nope.txt`,
      `node 'f': property 'resource': resource "nope.txt" not found`,
    ],
  ])('refuses %s', async (_, properties, message) => {
    const name = `bad-${Math.random().toString(36).slice(2)}`;
    const path = properties.includes('path:') ? '' : `path: ${s.path(`out/${name}`)}, `;
    const result = await installFile(name, `${path}${properties}`);
    expect(result.status).toBe('failed');
    expect(result.error).toContain(message);
    expect(existsSync(s.path(`out/${name}`))).toBe(false);
  });

  it('refuses a blueprint without a path when it is parsed, naming the property', async () => {
    const blueprint = s.blueprint(
      'no-path',
      `node_templates:
  f:
    type: cairn.nodes.File
    properties: { content: a }
`,
    );
    await expect(withDeployment({ blueprint }, () => Promise.resolve())).rejects.toThrow(
      "DSL_MISSING_PROPERTY  Node template 'f' gives no value for the required property 'path'",
    );
  });
});

describe('owner', () => {
  const uid = process.getuid?.() ?? 0;
  const gid = process.getgid?.() ?? 0;

  it('sets numeric ids, and looks up a user name with its login group', async () => {
    const numeric = s.path('out/owner-numeric');
    const named = s.path('out/owner-named');
    // Root may give a file to any id; others only to themselves.
    const [toUid, toGid] = uid === 0 ? [4321, 8765] : [uid, gid];
    const blueprint = s.blueprint(
      'owner',
      `node_templates:
  numeric:
    type: cairn.nodes.File
    properties: { path: ${numeric}, content: a, owner: '${toUid}:${toGid}' }
  named:
    type: cairn.nodes.File
    properties: { path: ${named}, content: b, owner: '${userInfo().username}:' }
`,
    );
    await withDeployment({ blueprint }, async (deployment) => {
      const install = await deployment.install();
      expect(install.error).toBe('');
      expect(statSync(numeric)).toMatchObject({ uid: toUid, gid: toGid });
      expect(statSync(named)).toMatchObject({ uid, gid });
    });
  });
});
