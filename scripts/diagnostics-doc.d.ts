/** One invalid fixture as the docs generator reads it. */
export interface DocFixture {
  name: string;
  text: string;
  expects: { code: string; where: string }[];
  description: string;
  /** True for a one-file fixture (not a folder). */
  single: boolean;
  /** The inputs a deployment is prepared with, as written in the fixture. */
  inputs: string | undefined;
}
/** Reads the invalid fixtures. */
export function readFixtures(dir?: string): DocFixture[];
/** Renders docs/diagnostics.md for a code registry. */
export function renderDiagnosticsDoc(
  codes: Record<string, { severity: string; summary: string }>,
  fixtures?: DocFixture[],
): string;
