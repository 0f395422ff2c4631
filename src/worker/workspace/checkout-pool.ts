import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import lockfile from 'proper-lockfile';
import { TandemError } from '../../errors.ts';
import type { Logger } from '../../logger.ts';
import type { Repo } from '../../queue/work-job.ts';

/** One kept working copy of a repository, held by one task until `release`. */
export interface CheckoutSlot {
  /** `<root>/<owner>/<repo>/<n>`: may hold the working copy an earlier task left, or nothing yet. */
  readonly dir: string;
  /** Hands the slot back for the repository's next task; the working copy stays. Idempotent. */
  release(): Promise<void>;
}

export interface CheckoutPoolOptions {
  /** Holds `<owner>/<repo>/<n>` for every slot. */
  root: string;
  logger: Logger;
}

/** A lock older than this belongs to a process that died; its slot is taken over. */
const staleLockMs = 60_000;

/**
 * Kept working copies, several per repository: a task takes the lowest-numbered free slot
 * and keeps it until it ends, so the next task on the repository fetches into a working
 * copy instead of cloning one, and tasks running at once each have their own. A slot is
 * held through a lock file beside it (`<n>.lock`), so worker processes sharing
 * `WORKSPACE_DIR` never use one slot together; a holder that died leaves a stale lock
 * that the next task takes over.
 */
export class CheckoutPool {
  readonly #options: CheckoutPoolOptions;

  constructor(options: CheckoutPoolOptions) {
    this.#options = options;
  }

  async acquire(repo: Repo): Promise<CheckoutSlot> {
    const parent = join(this.#options.root, repo.owner, repo.name);
    await mkdir(parent, { recursive: true });
    for (let slot = 0; ; slot += 1) {
      const dir = join(parent, String(slot));
      const release = await this.#tryLock(dir, `${repo.owner}/${repo.name}`);
      if (release) return { dir, release: once(release) };
    }
  }

  /** The slot's release, or undefined when another task holds it. */
  async #tryLock(dir: string, repoLabel: string): Promise<(() => Promise<void>) | undefined> {
    try {
      return await lockfile.lock(dir, {
        realpath: false,
        lockfilePath: `${dir}.lock`,
        stale: staleLockMs,
        update: staleLockMs / 6,
        retries: 0,
        // The lock's mtime could not be kept fresh (a stalled event loop, a full disk): another
        // process may take the slot over. Said, not thrown: a throw here would end the worker.
        onCompromised: (error) => this.#options.logger.warn({ repo: repoLabel, dir, err: error }, 'the lock of a kept working copy was lost'),
      });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ELOCKED') return undefined;
      throw new TandemError('workspace_lock_failed', `could not lock a working copy of ${repoLabel} under ${dir}`, { cause: error, retryable: true });
    }
  }
}

function once(release: () => Promise<void>): () => Promise<void> {
  let released: Promise<void> | undefined;
  return () => (released ??= release().catch(() => undefined));
}
