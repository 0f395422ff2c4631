import { z } from 'zod';
import { TandemError } from '../errors.ts';

/** One stored local pull request (an element of `<reportsDir>/pulls.json`). */
export const localPullRecordSchema = z.object({
  number: z.number().int().positive(),
  head: z.string().min(1),
  base: z.string().min(1),
  title: z.string(),
  body: z.string(),
  state: z.enum(['open', 'closed']),
  merged: z.boolean(),
  draft: z.boolean(),
  mergeSha: z.string().nullable(),
  createdAt: z.string(),
  comments: z.array(z.object({ body: z.string(), createdAt: z.string() })),
});
export type LocalPullRecord = z.infer<typeof localPullRecordSchema>;

const localPullStoreSchema = z.array(localPullRecordSchema);

/**
 * The records of `pulls.json` (its text `text`, read from `path`). Anything but an array of
 * records, as this module writes them, is `pr_store_unreadable` naming the file and the
 * first problems, so the person knows which file to fix or remove.
 */
export function parsePullStore(text: string, path: string): LocalPullRecord[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new TandemError('pr_store_unreadable', `${path} is not valid JSON; fix or remove it`, { cause: error });
  }
  const parsed = localPullStoreSchema.safeParse(value);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.slice(0, 3).map((issue) => `${where(issue.path)}: ${issue.message}`);
  throw new TandemError('pr_store_unreadable', `${path} does not hold tandem's local pull requests: ${problems.join('; ')}. Fix or remove it`, {
    cause: parsed.error,
  });
}

/** `record 2, state` for the path `[1, 'state']` of an issue. */
function where(path: readonly PropertyKey[]): string {
  if (path.length === 0) return 'the whole file';
  const [first, ...rest] = path;
  const record = typeof first === 'number' ? `record ${first + 1}` : String(first);
  return [record, ...rest.map(String)].join(', ');
}
