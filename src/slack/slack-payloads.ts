import { z } from 'zod';

/** The Events API payload's id: the same on each of Slack's retries of one event; commands and clicks have none. */
export const eventIdSchema = z.object({ event_id: z.string().min(1) });

/** The fields of a slash command tandem reads (Slack sends more). */
export const slashCommandSchema = z.object({
  command: z.string(),
  text: z.string().default(''),
  user_id: z.string().min(1),
  channel_id: z.string().min(1),
  response_url: z.string().optional(),
});

export const appMentionSchema = z.object({
  type: z.literal('app_mention'),
  user: z.string().min(1),
  text: z.string().default(''),
  ts: z.string().min(1),
  channel: z.string().min(1),
  thread_ts: z.string().optional(),
});

/** A plain message by a person; edits, bot posts and other subtypes are not replies. */
export const threadMessageSchema = z.object({
  type: z.literal('message'),
  subtype: z.undefined().optional(),
  bot_id: z.undefined().optional(),
  user: z.string().min(1),
  text: z.string().default(''),
  ts: z.string().min(1),
  channel: z.string().min(1),
  thread_ts: z.string().min(1),
});

export const blockActionSchema = z.object({
  type: z.literal('block_actions'),
  user: z.object({ id: z.string().min(1) }),
  channel: z.object({ id: z.string().min(1) }).optional(),
  container: z.object({ channel_id: z.string().optional(), message_ts: z.string().optional() }).loose(),
  message: z.object({ ts: z.string(), thread_ts: z.string().optional() }).loose().optional(),
  actions: z
    .array(z.object({ action_id: z.string(), value: z.string().default(''), action_ts: z.string().optional() }).loose())
    .min(1),
});

/** What was wrong with a payload, in one line: `user_id: Invalid input; …`. */
export function payloadProblem(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`)
    .join('; ');
}
