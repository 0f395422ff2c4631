import type { Queue } from 'bullmq';
import type { PullRequests, MergeMethod } from '../github/pull-requests.ts';
import type { Logger } from '../logger.ts';
import type { Repo } from '../queue/work-job.ts';
import type { WorkerListing } from '../queue/worker-registry.ts';
import type { TaskStore } from '../tasks/task-store.ts';
import type { AccessPolicy } from './access-policy.ts';
import type { Surface } from './surface.ts';

export interface Route {
  difficulty: 'low' | 'medium' | 'high';
  reflection: boolean;
  confident: boolean;
  reason: string;
}

export type Screening =
  | { verdict: 'allow'; redactedText: string; route?: Route }
  | { verdict: 'block'; category: string; reason: string; redactedText: string };

/** The input guardrail (rules, then the judge) and, for new tasks, the router. */
export interface RequestScreener {
  screen(input: { text: string; repo: Repo; route: boolean; signal?: AbortSignal }): Promise<Screening>;
}

export interface WrittenReport {
  markdown: string;
  title: string;
  summary: string;
}

/** The Documenter: a report job → the PR body and the thread's summary. */
export interface ReportWriter {
  write(report: import('../queue/report-job.ts').ReportJob): Promise<WrittenReport>;
}

/** Reaches a running task on whichever worker holds it. */
export interface TaskCanceller {
  cancel(taskId: string): Promise<void>;
}

/** What `/tandem status` reports about the machines. */
export interface StatusSources {
  /** The registered workers, each with its heartbeat's age and whether it has gone silent. */
  workers(): Promise<WorkerListing>;
  loadedModels(): Promise<{ url: string; models: { name: string; sizeVram?: number }[]; error?: string }[]>;
}

/** Everything the surface-agnostic conversation logic works with, built once per gateway. */
export interface ConversationContext {
  surface: Surface;
  tasks: TaskStore;
  access: AccessPolicy;
  workQueue: Queue;
  screener: RequestScreener;
  reportWriter: ReportWriter;
  pullRequests: PullRequests;
  canceller: TaskCanceller;
  status: StatusSources;
  mergeMethod: MergeMethod;
  /** The frontier model of the SOS path, when FRONTIER_* are set: stuck tasks offer Escalate. */
  frontier?: { model: string; origin: string };
  logger: Logger;
  now: () => number;
}

/** A private answer to the person who asked (Slack: `respond` or an ephemeral message). */
export type PrivateReply = (text: string) => Promise<void>;
