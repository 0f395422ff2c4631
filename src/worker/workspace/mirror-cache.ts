import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import lockfile from 'proper-lockfile';
import { dirname, join } from 'node:path';
import type { Logger } from '../../logger.ts';
import type { Repo } from '../../queue/work-job.ts';
import type { Environment } from './git-auth.ts';
import { gitFailure } from './git-errors.ts';
import { createGitRunner, type GitRunner, type GitRunnerFactory } from './git-runner.ts';
import { KeyedLock } from './keyed-lock.ts';

export interface MirrorCacheOptions {
  /** `<root>/<owner>/<repo>.git` holds each mirror. */
  root: string;
  token?: string;
  baseEnv: Environment;
  timeoutMs: number;
  logger: Logger;
  /** Default `createGitRunner`. */
  createGit?: GitRunnerFactory;
}

export interface MirrorUse {
  repo: Repo;
  remoteUrl: string;
  signal?: AbortSignal;
}

/**
 * One bare mirror per repository, cloned once and fetched (with prune) before every use.
 * Uses of one repository are serialized in-process, so a fetch never runs while another
 * task clones from the same mirror; worker processes sharing a root are kept apart by a
 * lock file beside each mirror (`<mirror>.lock`).
 */
export class MirrorCache {
  readonly #options: MirrorCacheOptions;
  readonly #lock = new KeyedLock();

  constructor(options: MirrorCacheOptions) {
    this.#options = options;
  }

  pathOf(repo: Repo): string {
    return join(this.#options.root, repo.owner, `${repo.name}.git`);
  }

  /** Brings the mirror up to date, then runs `action` with its path while holding the repo's lock. */
  async use<T>(input: MirrorUse, action: (mirrorDir: string) => Promise<T>): Promise<T> {
    const key = `${input.repo.owner}/${input.repo.name}`;
    return this.#lock.run(key, async () => {
      const mirrorDir = this.pathOf(input.repo);
      // Other worker processes may share WORKSPACE_DIR: a lock file beside the mirror
      // keeps their clones and fetches of one repository apart too.
      await mkdir(dirname(mirrorDir), { recursive: true });
      const release = await lockfile.lock(mirrorDir, {
        realpath: false,
        lockfilePath: `${mirrorDir}.lock`,
        stale: 60_000,
        update: 10_000,
        retries: { retries: 600, minTimeout: 100, maxTimeout: 1000 },
      });
      try {
        if (await isBareRepository(mirrorDir)) await this.#fetch(mirrorDir, input);
        else await this.#clone(mirrorDir, input);
        return await action(mirrorDir);
      } finally {
        await release().catch(() => undefined);
      }
    });
  }

  async #clone(mirrorDir: string, input: MirrorUse): Promise<void> {
    const { token, logger } = this.#options;
    const parent = join(this.#options.root, input.repo.owner);
    // Clone beside the final place and rename, so a failed clone never looks like a mirror.
    const partial = join(parent, `.${input.repo.name}.git.partial-${randomBytes(4).toString('hex')}`);
    await rm(mirrorDir, { recursive: true, force: true });
    await mkdir(parent, { recursive: true });
    try {
      await this.#git(parent, input)(['clone', '--mirror', '--quiet', '--', input.remoteUrl, partial]);
      await rename(partial, mirrorDir);
    } catch (error) {
      await rm(partial, { recursive: true, force: true });
      const repoLabel = `${input.repo.owner}/${input.repo.name}`;
      throw gitFailure(
        'git_clone_failed',
        `cloning ${repoLabel} from ${input.remoteUrl} failed`,
        error,
        token,
        `Check that ${repoLabel} exists there, that GIT_REMOTE_URL points at the right host, and that GITHUB_TOKEN can read it`,
      );
    }
    logger.info({ repo: `${input.repo.owner}/${input.repo.name}` }, 'repository mirror cloned');
  }

  async #fetch(mirrorDir: string, input: MirrorUse): Promise<void> {
    const { token, logger } = this.#options;
    const git = this.#git(mirrorDir, input);
    try {
      // The URL itself, not the mirror's `origin`: the template may have changed since the
      // mirror was made. The refspec is the one `clone --mirror` configures; the URL holds no
      // credentials.
      await git(['fetch', '--prune', '--quiet', input.remoteUrl, '+refs/*:refs/*']);
    } catch (error) {
      throw gitFailure('git_fetch_failed', `fetching ${input.repo.owner}/${input.repo.name} failed`, error, token);
    }
    logger.debug({ repo: `${input.repo.owner}/${input.repo.name}` }, 'repository mirror fetched');
  }

  #git(baseDir: string, input: MirrorUse): GitRunner {
    return (this.#options.createGit ?? createGitRunner)(baseDir, {
      baseEnv: this.#options.baseEnv,
      auth: { remoteUrl: input.remoteUrl, token: this.#options.token },
      timeoutMs: this.#options.timeoutMs,
      signal: input.signal,
    });
  }
}

/** A cheap check that `dir` is a bare repository left by an earlier, completed clone. */
async function isBareRepository(dir: string): Promise<boolean> {
  const found = await Promise.all(
    ['HEAD', 'objects', 'refs', 'config'].map((entry) => stat(join(dir, entry)).then(() => true, () => false)),
  );
  return found.every(Boolean);
}
