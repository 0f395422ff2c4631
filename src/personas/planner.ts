import { planSchema } from '../queue/work-job.ts';
import { composePrompt, formatFiles } from './prompt-sections.ts';

export const plannerAnswerSchema = planSchema;

export interface PlannerContext {
  request: string;
  feedback: string[];
  tree: string[];
  files: { path: string; content: string }[];
  testCommand: string | undefined;
}

export const plannerSystemPrompt = `You are tandem's Planner. You plan a change to a software repository for a team of coding agents that works test-first.
Read the request, the file tree and the files shown. Answer with one JSON object:
- "summary": one sentence saying what will change.
- "steps": the concrete implementation steps, each naming the files it touches.
- "tests": the test scenarios that prove the change works, each with a short "name" and a "scenario" (given / when / then).
- "missingKnowledge" (optional): only when the task cannot be done without knowledge that is neither in the repository nor common knowledge (a private API's contract, an unpublished service, a decision only the team can make), list what you would need to know. Leave it out otherwise: the team then stops and asks a human.
Plan only what the request asks for. Prefer small changes that follow the repository's existing style.`;

/** The user message for the Planner, fitted to `budgetTokens`. */
export function plannerUserPrompt(context: PlannerContext, budgetTokens: number): string {
  return composePrompt(
    [
      { title: 'Request', body: context.request, priority: 0 },
      { title: 'Feedback on the previous iteration', body: context.feedback.join('\n\n'), priority: 1 },
      { title: 'Test command', body: context.testCommand ?? '(none detected)', priority: 2 },
      { title: 'Relevant files', body: formatFiles(context.files), priority: 3 },
      { title: 'File tree', body: context.tree.join('\n'), priority: 4 },
    ],
    budgetTokens,
  );
}
