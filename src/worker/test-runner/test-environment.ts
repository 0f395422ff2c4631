export type Environment = Record<string, string | undefined>;

/** The only variables a test run inherits: no tokens, no service URLs. */
export const inheritedVariables = ['PATH', 'HOME', 'LANG', 'LC_ALL', 'TERM', 'TMPDIR', 'USER', 'SHELL'] as const;

/** Set for every test run: non-interactive, no colours in the captured output. */
export const fixedVariables = { CI: 'true', NO_COLOR: '1', FORCE_COLOR: '0' } as const;

/** The allow-listed environment of a test run, built from `baseEnv`. */
export function testEnvironment(baseEnv: Environment): Record<string, string> {
  const environment: Record<string, string> = {};
  for (const name of inheritedVariables) {
    const value = baseEnv[name];
    if (value !== undefined) environment[name] = value;
  }
  return { ...environment, ...fixedVariables };
}
