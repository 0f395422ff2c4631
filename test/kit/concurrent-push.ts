import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { git, type RemoteRoot } from './git-repos.ts';
import { calculatorFix, json, type PersonaScript } from './scripted-team.ts';

/** Where a test pushes: `owner/calc`'s task branch, the only one on the remote whose name starts with `branchPrefix`. */
export interface TaskBranchAddress {
  remotes: RemoteRoot;
  owner: string;
  name: string;
  branchPrefix: string;
}

/** The task's branch on the remote (once the first Coder attempt pushed it). */
export async function taskBranch(address: TaskBranchAddress): Promise<string> {
  const branches = (await address.remotes.branches(address.owner, address.name)).filter((branch) => branch.startsWith(address.branchPrefix));
  assert.equal(branches.length, 1, `one task branch starting ${address.branchPrefix}: ${branches.join(', ')}`);
  return branches[0]!;
}

/** Someone else commits `files` to the task branch on the remote; returns their commit. */
export async function pushToTaskBranch(address: TaskBranchAddress, files: Record<string, string>, message: string): Promise<string> {
  const clone = await address.remotes.clone(address.owner, address.name, await taskBranch(address));
  for (const [path, content] of Object.entries(files)) await writeFile(join(clone, path), content);
  await git(clone, 'commit', '--all', '-m', message);
  await git(clone, 'push', 'origin', 'HEAD');
  return git(clone, 'rev-parse', 'HEAD');
}

/**
 * Coder and Reviewer scripts for the calculator: the Reviewer asks for one more change, and
 * while it "reviews", `meanwhile` pushes to the task branch, so the Coder's second push is
 * rejected as non-fast-forward. Give them to `fullTeam` or `scriptedTeam`.
 */
export function concurrentPushScripts(
  meanwhile: () => Promise<unknown>,
  secondEdit: { path: string; search: string; replace: string },
): Record<'coder' | 'reviewer', PersonaScript> {
  return {
    coder: (_chat, call) =>
      call === 1 ? json(calculatorFix) : json({ summary: 'Address the review', edits: [{ action: 'replace', ...secondEdit }] }),
    reviewer: async (_chat, call) => {
      if (call > 1) return json({ approved: true, comments: [] });
      await meanwhile();
      return json({ approved: false, comments: [{ path: secondEdit.path, comment: 'Please tidy this up.' }] });
    },
  };
}
