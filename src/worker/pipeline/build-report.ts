import type { TesterAnswer } from '../../personas/tester.ts';
import type { ReportJob, ReportStatus } from '../../queue/report-job.ts';
import type { Checkpoint, WorkJob } from '../../queue/work-job.ts';
import type { DiffStat } from '../workspace/workspace.ts';

export interface ReportInput {
  job: WorkJob;
  state: Checkpoint | undefined;
  status: ReportStatus;
  headSha?: string;
  diffStat?: DiffStat;
  tester?: TesterAnswer;
  /** The branch's diff against its base (for a stuck task's SOS prompt). */
  diff?: string;
  error?: { code: string; message: string; persona?: string };
  now: number;
  /** The frontier Coder's model and origin, for an escalated iteration. */
  frontier?: { model: string; origin: string };
}

/** The `report` job for one finished (or given-up) task iteration. */
export function buildReport(input: ReportInput): ReportJob {
  const { job, state } = input;
  return {
    taskId: job.taskId,
    iteration: job.iteration,
    status: input.status,
    repo: job.repo,
    request: job.request,
    requester: job.requester,
    thread: job.thread,
    branch: state?.branch ?? job.branch,
    baseBranch: state?.baseBranch ?? job.baseBranch,
    headSha: input.headSha,
    plan: state?.plan,
    changeSummary: state?.coderSummaries ?? [],
    diffStat: input.diffStat ?? { files: 0, insertions: 0, deletions: 0, text: '' },
    test: state?.lastTest,
    review: {
      approved: state?.reviewApproved ?? false,
      rounds: state?.round ?? 0,
      notes: state?.reviewNotes ?? [],
    },
    tester: input.tester,
    attempts: state?.attempts ?? 0,
    usage: state?.usage ?? {},
    wallMs: state ? Math.max(0, input.now - state.startedAt) : 0,
    testMs: state?.testMs ?? 0,
    diff: input.diff,
    frontier: job.escalated && input.frontier ? input.frontier : undefined,
    error: input.error,
  };
}
