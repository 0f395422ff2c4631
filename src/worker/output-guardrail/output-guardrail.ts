import { join } from 'node:path';
import { TandemError } from '../../errors.ts';
import { hasCertainSecret, redactSecrets } from '../../guardrail/redact-secrets.ts';
import { addedLinesByCommit, blobSizes, outgoingCommits, readBlob, type AddedLines, type ChangedEntry, type OutgoingCommitChanges } from './commit-changes.ts';
import { createGitRunner, type GitRunner } from '../workspace/git-runner.ts';
import { protectedPathReason } from './protected-paths.ts';
import { symlinkEscape } from './symlink-target.ts';

/** Which rule a finding broke; `oversized_file` is any file over `maxFileBytes`, text or not. */
export type OutputRule = 'secret' | 'protected_path' | 'symlink_out' | 'oversized_binary' | 'oversized_file';

/** One reason not to push. Never holds a secret's value: only its kind and where it is. */
export interface OutputFinding {
  /** Repo-relative path (secret-looking parts of a file name are redacted). */
  path: string;
  rule: OutputRule;
  /** What is wrong, in words, e.g. `adds a secret (GitHub token)`. */
  detail: string;
  /** The line in the new file, for secrets. */
  line?: number;
  /** The commit that made the change. */
  commit: string;
}

export interface OutputLimits {
  /** A binary file (one git does not diff as text: a NUL byte in its first 8000 bytes) above this blocks. */
  maxBinaryBytes: number;
  /** Any file above this blocks. */
  maxFileBytes: number;
}

export const defaultOutputLimits: OutputLimits = { maxBinaryBytes: 1024 * 1024, maxFileBytes: 5 * 1024 * 1024 };

export interface OutgoingChangesInput {
  /** The working copy whose commits are about to be pushed (its git directory is `<repoDir>/.git`). */
  repoDir: string;
  /** What the remote already has: the base branch commit the task started from, or the branch's last pushed head. */
  baseRef: string;
  /** The commit about to be pushed (default `HEAD`). */
  headRef?: string;
  limits?: Partial<OutputLimits>;
  /**
   * Runs git in the working copy's git directory, `<repoDir>/.git` (the default runner's), where
   * no `.gitattributes` of the task's can change what git calls text or binary.
   */
  git?: GitRunner;
}

export type OutgoingVerdict = { ok: true } | { ok: false; findings: OutputFinding[] };

/**
 * The output guardrail (DESIGN §5): checks every commit in `baseRef..headRef` — each one,
 * so a secret added and removed again is still caught — for secrets in added lines (and
 * in file names), protected paths, symlinks leading out of the repository and oversized
 * files. Any finding means the commits must not be pushed.
 */
export async function checkOutgoingChanges(input: OutgoingChangesInput): Promise<OutgoingVerdict> {
  const git = input.git ?? createGitRunner(join(input.repoDir, '.git'));
  const limits = { ...defaultOutputLimits, ...input.limits };
  const headRef = input.headRef ?? 'HEAD';
  const findings = new Map<string, OutputFinding>();
  const add = (finding: OutputFinding) => findings.set(`${finding.rule}\0${finding.path}\0${finding.line ?? ''}\0${finding.detail}`, finding);
  // Every commit's entries and added lines in one read. A file git diffed as text holds no NUL
  // byte in its first 8000 bytes and is at most maxFileBytes (git's big-file threshold there),
  // so only the files it did not diff can break a size rule: their sizes are read, and then
  // the added lines of those within the limits, diffed as text.
  const commits = await outgoingCommits(git, input.baseRef, headRef, limits.maxFileBytes);
  const undiffed = commits.flatMap(({ entries, binary }) => present(entries).filter((entry) => binary.has(entry.path)));
  const sizes = await blobSizes(git, regularFiles(undiffed).map((entry) => entry.blob));
  const oversized = new Set<string>();
  for (const changes of commits) {
    const checked = await checkEntries(git, changes, sizes, limits);
    checked.findings.forEach(add);
    checked.oversized.forEach((path) => oversized.add(path));
  }
  // Oversized files are already blocked (in any commit); their content is not worth diffing.
  const unread = [...new Set(undiffed.map((entry) => entry.path))].filter((path) => !oversized.has(path));
  const readAsText = unread.length > 0 ? await addedLinesByCommit(git, input.baseRef, headRef, unread) : new Map<string, AddedLines[]>();
  for (const { commit, added } of commits) {
    for (const file of [...added, ...(readAsText.get(commit.sha) ?? [])]) {
      for (const found of secretsIn(file)) {
        add({ path: redactSecrets(file.path).text, rule: 'secret', detail: `adds a secret (${found.kind})`, line: found.line, commit: commit.sha });
      }
    }
  }
  return verdictOf(findings);
}

function verdictOf(findings: Map<string, OutputFinding>): OutgoingVerdict {
  return findings.size === 0 ? { ok: true } : { ok: false, findings: [...findings.values()] };
}

function present(entries: readonly ChangedEntry[]): ChangedEntry[] {
  return entries.filter((entry) => entry.status !== 'D');
}

function regularFiles(entries: readonly ChangedEntry[]): ChangedEntry[] {
  return present(entries).filter((entry) => entry.mode === '100644' || entry.mode === '100755');
}

/** One commit's paths, sizes and symlinks (its added lines are read for all commits at once). */
async function checkEntries(
  git: GitRunner,
  changes: OutgoingCommitChanges,
  sizes: ReadonlyMap<string, number>,
  limits: OutputLimits,
): Promise<{ findings: OutputFinding[]; oversized: string[] }> {
  const { commit, entries, binary } = changes;
  const findings: OutputFinding[] = [];
  const oversized: string[] = [];
  const add = (path: string, rule: OutputRule, detail: string) => findings.push({ path: redactSecrets(path).text, rule, detail, commit: commit.sha });
  for (const entry of entries) {
    const reason = protectedPathReason(entry.path);
    if (reason) add(entry.path, 'protected_path', `is protected (${reason})`);
  }
  for (const entry of present(entries)) {
    const name = redactSecrets(entry.path);
    if (hasCertainSecret(name)) add(entry.path, 'secret', `has a secret in its name (${certainKinds(name.findings)})`);
  }
  for (const entry of regularFiles(entries).filter((candidate) => binary.has(candidate.path))) {
    const size = sizes.get(entry.blob) ?? 0;
    if (size > limits.maxFileBytes) {
      add(entry.path, 'oversized_file', `is ${formatBytes(size)} (the limit for any file is ${formatBytes(limits.maxFileBytes)})`);
      oversized.push(entry.path);
    } else if (size > limits.maxBinaryBytes && (await readBlob(git, entry.blob)).subarray(0, 8000).includes(0)) {
      // git did not diff it because of this blob, or because of the one it replaced (a text
      // file that was binary or over the file limit): only a NUL byte where git looks makes it binary.
      add(entry.path, 'oversized_binary', `is a binary file of ${formatBytes(size)} (the limit for binaries is ${formatBytes(limits.maxBinaryBytes)})`);
      oversized.push(entry.path);
    }
  }
  for (const entry of present(entries).filter((candidate) => candidate.mode === '120000')) {
    const target = (await readBlob(git, entry.blob)).toString('utf8');
    const escape = symlinkEscape(entry.path, target);
    if (escape) add(entry.path, 'symlink_out', `is a symlink that ${escape} (→ ${clip(redactSecrets(target).text, 120)})`);
  }
  return { findings, oversized };
}

/** The certain secrets in a file's added lines, with their line numbers when a single line holds them. */
function secretsIn(file: AddedLines): { kind: string; line?: number }[] {
  const whole = redactSecrets(file.lines.map((line) => line.text).join('\n'));
  if (!hasCertainSecret(whole)) return [];
  const found = file.lines.flatMap((line) =>
    redactSecrets(line.text)
      .findings.filter((finding) => finding.confidence === 'certain')
      .map((finding) => ({ kind: finding.kind, line: line.number })),
  );
  return found.length > 0 ? found : [{ kind: certainKinds(whole.findings) }];
}

function certainKinds(findings: readonly { kind: string; confidence: string }[]): string {
  return [...new Set(findings.filter((finding) => finding.confidence === 'certain').map((finding) => finding.kind))].join(', ');
}

function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${Number((bytes / (1024 * 1024)).toFixed(1))} MB`;
  if (bytes >= 1024) return `${Number((bytes / 1024).toFixed(1))} KB`;
  return `${bytes} bytes`;
}

function clip(text: string, limit: number): string {
  const single = text.replace(/\s+/g, ' ');
  return single.length <= limit ? single : `${single.slice(0, limit - 1)}…`;
}

/** One finding as the thread shows it: `src/config.js:3 adds a secret (GitHub token)`. */
export function describeFinding(finding: OutputFinding): string {
  return `${finding.path}${finding.line === undefined ? '' : `:${finding.line}`} ${finding.detail}`;
}

/** The push was refused by the output guardrail; not retryable (the same commits would be refused again). */
export class OutputBlockedError extends TandemError {
  readonly findings: readonly OutputFinding[];

  constructor(branch: string, findings: readonly OutputFinding[]) {
    const shown = findings.slice(0, 5).map(describeFinding).join('; ');
    const more = findings.length > 5 ? `; and ${findings.length - 5} more` : '';
    super('output_blocked', `blocked the push of ${branch}: ${shown}${more}. Nothing from this step was pushed.`, { retryable: false });
    this.name = 'OutputBlockedError';
    this.findings = findings;
  }
}
