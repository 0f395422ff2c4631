import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { TandemError } from '../errors.ts';
import { silentLogger, type Logger } from '../logger.ts';
import type { Repo } from '../queue/work-job.ts';
import { assertBranchName } from '../worker/workspace/branch-name.ts';
import { KeyedLock } from '../worker/workspace/keyed-lock.ts';
import { LocalRepository } from './local-git-merge.ts';
import { parsePullStore, type LocalPullRecord } from './local-pull-store.ts';
import type { MergeMethod, OpenPullRequestInput, PullRequest, PullRequests } from './pull-requests.ts';

export interface LocalPullRequestsOptions {
  /** The user's (non-bare) repository: it stands for every `Repo` the callers name. */
  repositoryPath: string;
  /** Holds `pulls.json` and one `<number>-<head slug>.md` report per pull request. */
  reportsDir: string;
  logger?: Logger;
  now?: () => number;
}

/**
 * `PullRequests` for the console without GitHub: a "pull request" is a branch of the local
 * repository plus a report file. Records live in `<reportsDir>/pulls.json` and the report in
 * `<reportsDir>/<number>-<head slug>.md` (its `file://` URL is the PR's `url`); both are
 * rewritten atomically (temporary file, then rename) and calls are serialized per instance.
 *
 * - `merge` works as GitHub's merge button: `squash` makes one commit on base whose message is
 *   the title (or `input.title`) and the body's first paragraph; `merge` makes a `--no-ff` merge
 *   commit "Merge pull request #n from <head>" with the title; `rebase` replays head's commits
 *   onto base (head's authors kept) and fast-forwards base. New commits are made by
 *   `tandem <tandem@tandem.invalid>` (see `LocalRepository`). A draft, a closed PR, a conflict or
 *   a dirty checked-out base is `pr_not_mergeable`, and nothing changes. Merging a merged PR
 *   returns the recorded sha. As on GitHub the head branch is kept: `close` deletes it.
 * - `comment` stores the comment in the record; the report file shows every comment under a
 *   closing "## Comments" heading, so updating the body never loses them.
 */
export class LocalPullRequests implements PullRequests {
  readonly #repository: LocalRepository;
  readonly #reportsDir: string;
  readonly #logger: Logger;
  readonly #now: () => number;
  readonly #lock = new KeyedLock();

  constructor(options: LocalPullRequestsOptions) {
    this.#repository = new LocalRepository(options.repositoryPath);
    this.#reportsDir = resolve(options.reportsDir);
    this.#logger = options.logger ?? silentLogger;
    this.#now = options.now ?? Date.now;
  }

  async openOrUpdate(input: OpenPullRequestInput): Promise<PullRequest> {
    assertBranchName(input.head);
    assertBranchName(input.base, 'base branch');
    for (const branch of [input.head, input.base]) {
      if ((await this.#repository.branchSha(branch)) === undefined) {
        throw new TandemError('pr_branch_missing', `the branch ${branch} does not exist in ${this.#repository.path}`);
      }
    }
    const record = await this.#change(async (records) => {
      const existing = records.find((record) => record.head === input.head && record.state === 'open');
      const fields = { title: input.title, body: input.body, draft: input.draft };
      if (existing) {
        Object.assign(existing, fields);
        this.#logger.info({ number: existing.number, head: input.head }, 'local pull request updated');
        return existing;
      }
      const number = Math.max(0, ...records.map((record) => record.number)) + 1;
      const createdAt = new Date(this.#now()).toISOString();
      const created: LocalPullRecord = { number, head: input.head, base: input.base, ...fields, state: 'open', merged: false, mergeSha: null, createdAt, comments: [] };
      records.push(created);
      this.#logger.info({ number, head: input.head, base: input.base }, 'local pull request opened');
      return created;
    });
    return this.#toPullRequest(record);
  }

  async get(_repo: Repo, number: number): Promise<PullRequest> {
    return this.#lock.run('pulls', async () => this.#toPullRequest(find(await this.#read(), number)));
  }

  async merge(input: { repo: Repo; number: number; method: MergeMethod; title?: string }): Promise<{ sha: string }> {
    const record = await this.#change(async (records) => {
      const pull = find(records, input.number);
      if (pull.merged && pull.mergeSha) return pull;
      if (pull.state === 'closed' || pull.draft) {
        throw new TandemError('pr_not_mergeable', `pull request #${pull.number} is ${pull.draft ? 'a draft' : 'closed'}; it cannot be merged`);
      }
      const message =
        input.method === 'merge'
          ? [input.title ?? `Merge pull request #${pull.number} from ${pull.head}`, pull.title]
          : [input.title ?? pull.title, ...firstParagraph(pull.body)];
      const sha = await this.#repository.merge({ head: pull.head, base: pull.base, method: input.method, message });
      Object.assign(pull, { state: 'closed', merged: true, mergeSha: sha });
      this.#logger.info({ number: pull.number, method: input.method, sha }, 'local pull request merged');
      return pull;
    });
    return { sha: record.mergeSha! };
  }

  async close(input: { repo: Repo; number: number; deleteBranch: boolean }): Promise<void> {
    await this.#change(async (records) => {
      const pull = find(records, input.number);
      if (input.deleteBranch) {
        const deleted = await this.#repository.deleteBranch(pull.head);
        this.#logger.info({ number: pull.number, branch: pull.head }, deleted ? 'head branch deleted' : 'head branch was already deleted');
      }
      pull.state = 'closed';
      return pull;
    });
  }

  async comment(input: { repo: Repo; number: number; body: string }): Promise<void> {
    await this.#change(async (records) => {
      const pull = find(records, input.number);
      pull.comments.push({ body: input.body, createdAt: new Date(this.#now()).toISOString() });
      return pull;
    });
  }

  /** Under the lock: reads the records, lets `action` change one, then writes its report and the records. */
  async #change(action: (records: LocalPullRecord[]) => Promise<LocalPullRecord>): Promise<LocalPullRecord> {
    return this.#lock.run('pulls', async () => {
      const records = await this.#read();
      const record = await action(records);
      await mkdir(this.#reportsDir, { recursive: true });
      await writeAtomically(this.#reportPath(record), renderReport(record));
      await writeAtomically(this.#storePath(), `${JSON.stringify(records, null, 2)}\n`);
      return record;
    });
  }

  async #read(): Promise<LocalPullRecord[]> {
    let text: string;
    try {
      text = await readFile(this.#storePath(), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw new TandemError('pr_store_unreadable', `cannot read ${this.#storePath()}: ${(error as Error).message}`, { cause: error });
    }
    return parsePullStore(text, this.#storePath());
  }

  #storePath(): string {
    return join(this.#reportsDir, 'pulls.json');
  }

  #reportPath(record: LocalPullRecord): string {
    return join(this.#reportsDir, `${record.number}-${record.head.replace(/[^A-Za-z0-9._-]+/g, '-')}.md`);
  }

  #toPullRequest(record: LocalPullRecord): PullRequest {
    const { number, state, merged, draft } = record;
    return { number, url: pathToFileURL(this.#reportPath(record)).href, state, merged, draft, headBranch: record.head, baseBranch: record.base };
  }
}

function find(records: LocalPullRecord[], number: number): LocalPullRecord {
  const record = records.find((candidate) => candidate.number === number);
  if (!record) throw new TandemError('pr_not_found', `there is no local pull request #${number}`);
  return record;
}

/** The body's first paragraph that is not a heading, as a commit message paragraph. */
function firstParagraph(body: string): string[] {
  const paragraph = body.split(/\n\s*\n/).map((part) => part.trim()).find((part) => part !== '' && !part.startsWith('#'));
  return paragraph ? [paragraph.slice(0, 2_000)] : [];
}

function renderReport(record: LocalPullRecord): string {
  const status = record.merged ? `merged as ${record.mergeSha}` : record.state === 'open' && record.draft ? 'open (draft)' : record.state;
  const lines = [`# ${record.title}`, '', `> #${record.number} · ${record.head} → ${record.base} · ${status}`, '', record.body.trim(), ''];
  if (record.comments.length > 0) {
    lines.push('## Comments', '');
    for (const comment of record.comments) lines.push(`**${comment.createdAt}**`, '', comment.body.trim(), '');
  }
  return lines.join('\n');
}

async function writeAtomically(path: string, content: string): Promise<void> {
  const temporary = `${path}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await writeFile(temporary, content);
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}
