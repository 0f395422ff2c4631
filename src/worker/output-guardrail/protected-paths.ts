import { posix } from 'node:path';

/** One kind of file a task may never add, change, delete or rename. */
interface ProtectedPathRule {
  /** Why it is protected, in words for the thread. */
  reason: string;
  /** Whether `path` (repo-relative, `/`-separated, lower-cased) falls under the rule. */
  matches(path: string): boolean;
}

/**
 * Environment file templates: committed by convention, holding placeholders only. They
 * are allowed; their added lines are still scanned for secrets like any other file.
 */
const environmentTemplate = /^\.env(?:\..+)?\.(?:example|sample|template)$/;

/**
 * The protected paths (DESIGN §5), matched case-insensitively (macOS checkouts treat
 * `.ENV` as `.env`):
 * - `.github/workflows/**` and `.github/actions/**` — code that runs in CI with the
 *   repository's secrets (local actions are called by workflows, so they count too);
 * - `.env`, `.env.*` and `.envrc` in any directory — real environment files; the
 *   templates `.env.example`, `.env.sample`, `.env.template` (and `.env.<x>.example`)
 *   are allowed;
 * - `CODEOWNERS` where GitHub reads it (root, `.github/`, `docs/`) — who must approve;
 * - `.gitmodules` — submodules pull code from any URL on a recursive clone.
 * `.git/hooks` needs no rule: git never records paths inside `.git`.
 */
const protectedPathRules: readonly ProtectedPathRule[] = [
  { reason: 'a GitHub Actions workflow', matches: (path) => path.startsWith('.github/workflows/') },
  { reason: 'a GitHub Actions action run by workflows', matches: (path) => path.startsWith('.github/actions/') },
  {
    reason: 'an environment file',
    matches: (path) => {
      const name = posix.basename(path);
      if (environmentTemplate.test(name)) return false;
      return name === '.env' || name === '.envrc' || name.startsWith('.env.');
    },
  },
  { reason: 'CODEOWNERS', matches: (path) => ['codeowners', '.github/codeowners', 'docs/codeowners'].includes(path) },
  { reason: 'submodule definitions', matches: (path) => path === '.gitmodules' },
];

/** Why a task may not touch `path`, or undefined when it may. */
export function protectedPathReason(path: string): string | undefined {
  const normalized = path.replace(/\\/g, '/').replace(/^\.\//, '').toLowerCase();
  return protectedPathRules.find((rule) => rule.matches(normalized))?.reason;
}
