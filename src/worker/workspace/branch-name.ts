import { TandemError } from '../../errors.ts';

/**
 * Throws `invalid_branch` unless `name` is a branch name git accepts (the rules of
 * `git check-ref-format --branch`) and cannot be mistaken for an option.
 */
export function assertBranchName(name: string, label = 'branch'): void {
  const problem = branchNameProblem(name);
  if (problem) throw new TandemError('invalid_branch', `the ${label} "${name}" is not a valid branch name: ${problem}`);
}

function branchNameProblem(name: string): string | undefined {
  if (name === '' || name === '@') return 'it is empty';
  if (name === 'HEAD') return 'git keeps HEAD for the current commit';
  if (name.startsWith('-')) return 'it starts with a dash';
  if (/[\x00-\x20\x7f~^:?*[\\]/.test(name)) return 'it contains a space, a control character or one of ~^:?*[\\';
  if (name.includes('..') || name.includes('@{') || name.includes('//')) return 'it contains "..", "@{" or "//"';
  if (name.startsWith('/') || name.endsWith('/') || name.endsWith('.')) return 'it starts or ends with "/" or ends with "."';
  if (name.split('/').some((part) => part.startsWith('.') || part.endsWith('.lock'))) {
    return 'a part starts with "." or ends with ".lock"';
  }
  return undefined;
}
