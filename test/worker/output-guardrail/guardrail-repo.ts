import { mkdir, mkdtemp, rm, symlink, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { TestContext } from 'node:test';
import { createWorkingCopy, git } from '../../kit/git-repos.ts';
import {
  checkOutgoingChanges,
  type OutgoingVerdict,
  type OutputFinding,
  type OutputLimits,
} from '../../../src/worker/output-guardrail/output-guardrail.ts';

/**
 * A GitHub token shape, assembled from fragments so no scanner flags this repository.
 * `ghp_` + 36 characters.
 */
export const fakeGitHubToken = ['gh', 'p_', 'R8x2Kq7LmN4pV9sT1wY6', 'zA3bC5dE0fG2hJ4k'].join('');

export const seedFiles: Record<string, string> = {
  'README.md': '# app\n',
  'src/app.js': 'export const answer = 42;\n',
  '.github/workflows/ci.yml': 'on: push\njobs: {}\n',
  '.env.example': 'API_URL=\n',
};

/** `bytes` bytes of plain text in 80-column lines. */
export function text(bytes: number): string {
  return `${'lorem ipsum dolor sit amet '.repeat(3).slice(0, 79)}\n`.repeat(Math.ceil(bytes / 80)).slice(0, bytes);
}

/** A test repository whose `main` holds `files`; `base` is the commit the task starts from. */
export interface GuardrailRepo {
  dir: string;
  base: string;
  /** Writes `files` (string or bytes) and commits them; returns the new head. */
  commit(files: Record<string, string | Buffer>, message?: string): Promise<string>;
  /** Adds a symlink `path` → `target` and commits it. */
  link(path: string, target: string): Promise<string>;
  /** Deletes `paths` and commits. */
  remove(...paths: string[]): Promise<string>;
  /** Renames `from` to `to` and commits. */
  rename(from: string, to: string): Promise<string>;
  /** Runs the guardrail on everything committed since `base`. */
  check(limits?: Partial<OutputLimits>): Promise<OutgoingVerdict>;
}

export async function createGuardrailRepo(t: TestContext, files: Record<string, string> = seedFiles): Promise<GuardrailRepo> {
  const dir = await createWorkingCopy(await mkdtemp(join(tmpdir(), 'tandem-guardrail-')), files);
  t.after(() => rm(dir, { recursive: true, force: true }));
  const base = await git(dir, 'rev-parse', 'HEAD');
  const commitAll = async (message: string) => {
    await git(dir, 'add', '--all');
    await git(dir, 'commit', '--quiet', '-m', message);
    return git(dir, 'rev-parse', 'HEAD');
  };
  return {
    dir,
    base,
    async commit(changes, message = 'change') {
      for (const [path, content] of Object.entries(changes)) {
        await mkdir(dirname(join(dir, path)), { recursive: true });
        await writeFile(join(dir, path), content);
      }
      return commitAll(message);
    },
    async link(path, target) {
      await mkdir(dirname(join(dir, path)), { recursive: true });
      await symlink(target, join(dir, path));
      return commitAll(`link ${path}`);
    },
    async remove(...paths) {
      for (const path of paths) await unlink(join(dir, path));
      return commitAll('remove');
    },
    async rename(from, to) {
      await mkdir(dirname(join(dir, to)), { recursive: true });
      await git(dir, 'mv', from, to);
      return commitAll(`rename ${from}`);
    },
    check: (limits) => checkOutgoingChanges({ repoDir: dir, baseRef: base, limits }),
  };
}

/** The findings of a verdict that must have blocked. */
export function findingsOf(verdict: OutgoingVerdict): OutputFinding[] {
  if (verdict.ok) throw new Error('expected the guardrail to block, but it passed');
  return verdict.findings;
}

/** `rule path[:line]` for each finding, for compact assertions. */
export function summaries(verdict: OutgoingVerdict): string[] {
  return findingsOf(verdict).map((finding) => `${finding.rule} ${finding.path}${finding.line === undefined ? '' : `:${finding.line}`}`);
}
