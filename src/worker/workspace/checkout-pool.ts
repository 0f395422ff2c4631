import { mkdir, readdir, rm, stat, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import lockfile from 'proper-lockfile';
import { TandemError } from '../../errors.ts';
import type { Logger } from '../../logger.ts';
import type { Repo } from '../../queue/work-job.ts';

/** One kept working copy of a repository, held by one task until `release`. */
export interface CheckoutSlot {
  /** `<root>/<owner>/<repo>/<n>`: may hold the working copy an earlier task left, or nothing yet. */
  readonly dir: string;
  /** Hands the slot back for the repository's next task; the working copy stays, marked as used now. Idempotent. */
  release(): Promise<void>;
}

export interface CheckoutPoolOptions {
  /** Holds `<owner>/<repo>/<n>` for every slot. */
  root: string;
  logger: Logger;
  now?: () => number;
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
  readonly #now: () => number;

  constructor(options: CheckoutPoolOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
  }

  async acquire(repo: Repo): Promise<CheckoutSlot> {
    const parent = join(this.#options.root, repo.owner, repo.name);
    await mkdir(parent, { recursive: true });
    for (let slot = 0; ; slot += 1) {
      const dir = join(parent, String(slot));
      const release = await this.#tryLock(dir, `${repo.owner}/${repo.name}`);
      if (release) return { dir, release: once(() => this.#markUsed(dir).then(() => release())) };
    }
  }

  /**
   * Deletes the kept working copies no task has handed back for `maxIdleMs` (a slot's
   * directory keeps the time of its last hand-back as its mtime). A copy in use is left
   * alone: it is deleted under its slot's lock, so no task can take it meanwhile. Resolves
   * to the directories deleted.
   */
  async removeIdle(maxIdleMs: number): Promise<string[]> {
    const removed: string[] = [];
    for (const { dir, repoLabel } of await slotDirectories(this.#options.root)) {
      if (!(await this.#idleFor(dir, maxIdleMs))) continue;
      const release = await this.#tryLock(dir, repoLabel);
      if (!release) continue;
      try {
        // Looked at again under the lock: a task may have handed it back just before.
        if (!(await this.#idleFor(dir, maxIdleMs))) continue;
        await rm(dir, { recursive: true, force: true });
        removed.push(dir);
      } finally {
        await release().catch(() => undefined);
      }
    }
    return removed;
  }

  async #idleFor(dir: string, maxIdleMs: number): Promise<boolean> {
    const stats = await stat(dir).catch(() => undefined);
    return stats !== undefined && this.#now() - stats.mtimeMs >= maxIdleMs;
  }

  /** The hand-back's time, as the directory's mtime (nothing inside the copy changes it while it sits unused). */
  async #markUsed(dir: string): Promise<void> {
    const now = new Date(this.#now());
    await utimes(dir, now, now).catch((error: unknown) => {
      // A task that failed before its clone leaves no directory; anything else is worth a line.
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') this.#options.logger.warn({ dir, err: error }, 'could not mark a kept working copy as used');
    });
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

/** The names of the directories in `dir` (none when it does not exist). */
async function subdirectories(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch((error: unknown) => {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  });
  return entries.filter((entry) => entry.isDirectory()).map((entry) => entry.name);
}

/** Every slot directory under `root` (`<owner>/<repo>/<n>`), with its repository's label. */
async function slotDirectories(root: string): Promise<{ dir: string; repoLabel: string }[]> {
  const slots: { dir: string; repoLabel: string }[] = [];
  for (const owner of await subdirectories(root)) {
    for (const name of await subdirectories(join(root, owner))) {
      const slotNames = (await subdirectories(join(root, owner, name))).filter((slot) => /^\d+$/.test(slot));
      slots.push(...slotNames.map((slot) => ({ dir: join(root, owner, name, slot), repoLabel: `${owner}/${name}` })));
    }
  }
  return slots;
}

function once(release: () => Promise<void>): () => Promise<void> {
  let released: Promise<void> | undefined;
  return () => (released ??= release().catch(() => undefined));
}
