import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { addWorkJob } from '../../src/queue/queues.ts';
import { git } from '../kit/git-repos.ts';
import { personaOf } from '../kit/ollama-server.ts';
import { calculatorPlan, calculatorRepo, happyTeam, json, scriptedTeam } from '../kit/scripted-team.ts';
import { waitFor } from '../kit/wait-for.ts';
import { startTandemProcess, type TandemProcess } from '../kit/worker-process.ts';
import { createWorkerHarness, type WorkerHarness } from '../kit/worker-harness.ts';

let harness: WorkerHarness;
const processes: TandemProcess[] = [];

before(async () => {
  harness = await createWorkerHarness('crash', { WORKER_LOCK_MS: '2000' });
  await harness.remotes.createRepo('acme', 'calc', calculatorRepo);
});
after(async () => {
  await Promise.all(processes.map((worker) => worker.stop('SIGKILL')));
  await harness.close();
});

test('a worker killed after the Planner step is resumed by another worker without planning again', async () => {
  // The first worker plans, then hangs in its first Coder call until it is killed.
  harness.ollama.setResponder(
    scriptedTeam({
      planner: () => json(calculatorPlan),
      coder: (_chat, _call) => new Promise(() => undefined),
    }),
  );
  const first = startTandemProcess('worker', harness.environment);
  processes.push(first);
  await addWorkJob(harness.workQueue, { taskId: 'task-crash', repo: { owner: 'acme', name: 'calc' }, request: 'fix add', difficulty: 'low', reflection: false });
  await waitFor(() => harness.ollama.chatRequests().find((chat) => personaOf(chat) === 'coder'), `the first Coder call (worker output: ${first.output()})`);
  assert.equal(await first.stop('SIGKILL'), null);

  harness.ollama.setResponder(happyTeam());
  const second = startTandemProcess('worker', harness.environment);
  processes.push(second);
  const report = await harness.waitForReport('task-crash', 1, 60_000);

  assert.equal(report.status, 'passed', JSON.stringify(report.error));
  const planners = harness.ollama.chatRequests().filter((chat) => personaOf(chat) === 'planner');
  assert.equal(planners.length, 1, 'the Planner was called once, by the first worker');
  assert.deepEqual(report.plan, calculatorPlan);
  const branches = (await harness.remotes.branches('acme', 'calc')).filter((name) => name.startsWith('tandem/'));
  assert.deepEqual(branches, [report.branch]);
  const clone = await harness.remotes.clone('acme', 'calc', report.branch);
  assert.equal(await git(clone, 'rev-parse', 'HEAD'), report.headSha);

  // SIGTERM shuts the idle worker down cleanly.
  assert.equal(await second.stop('SIGTERM'), 0, second.output());
});
