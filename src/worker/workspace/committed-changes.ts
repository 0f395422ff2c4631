import { gitText, type GitRunner } from './git-runner.ts';
import type { DiffStat } from './workspace.ts';

/** What a branch's commits change between two commits: the patch and its `--stat`. */
export interface CommittedChanges {
  base: string;
  head: string;
  diff: string;
  stat: DiffStat;
}

/** `base..head` read with one `git diff --numstat --stat --patch` (nothing to read when they are one commit). */
export async function committedChanges(git: GitRunner, base: string, head: string): Promise<CommittedChanges> {
  const output = base === head ? '' : await gitText(git, ['diff', '--numstat', '--stat', '--patch', '--no-color', '--no-ext-diff', '--no-textconv', base, head, '--']);
  return { base, head, ...parseDiffWithStat(output) };
}

/**
 * Splits `git diff --numstat --stat --patch`: the numstat lines (`<added>\t<removed>\t<path>`,
 * `-` for binary files), then the `--stat` text, then the patch from its first `diff --git`
 * line (stat lines start with a space, and a path with a line break is quoted).
 */
function parseDiffWithStat(output: string): { diff: string; stat: DiffStat } {
  const patchStart = /^diff --git /m.exec(output)?.index ?? output.length;
  let files = 0;
  let insertions = 0;
  let deletions = 0;
  const text: string[] = [];
  for (const line of output.slice(0, patchStart).split('\n').filter(Boolean)) {
    const numstat = /^(\d+|-)\t(\d+|-)\t/.exec(line);
    if (!numstat) {
      text.push(line);
      continue;
    }
    files += 1;
    insertions += Number.parseInt(numstat[1]!, 10) || 0;
    deletions += Number.parseInt(numstat[2]!, 10) || 0;
  }
  return { diff: output.slice(patchStart), stat: { files, insertions, deletions, text: text.join('\n').trimEnd() } };
}
