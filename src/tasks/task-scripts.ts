import { TandemError } from '../errors.ts';
import { taskRecordSchema, type TaskRecord } from './task-record.ts';

/**
 * How a task lives in Redis: the Lua scripts behind `TaskStore`, and the codec between a
 * record and its hash (one JSON-encoded field per record field). Everything that checks and then writes runs as one
 * script, which Redis applies atomically.
 *
 * Shared layout: KEYS[1] is the task's hash, KEYS[2] its feedback list. ARGV[1] is a JSON
 * header of plain ASCII values (`base` = `<prefix>:tasks:`, `taskId`, statuses, and numbers
 * as strings so Lua never rounds them); ARGV[2 .. 1 + 2 * pairs] are field name / JSON value
 * pairs; any ARGV after those are feedback texts. User text never goes through cjson.
 * Index keys (`_status:<status>`, `_thread:<channel>:<threadTs>`) are built from `base`,
 * as BullMQ's own scripts build job keys from its prefix.
 */
const helpers = `
local header = cjson.decode(ARGV[1])
local base = header.base
local taskId = header.taskId

-- Checked before anything is written: Redis does not undo a script's earlier writes when a
-- later command fails, so a corrupt key must stop the script here, not halfway.
local hashType = redis.call('TYPE', KEYS[1]).ok
local feedbackType = redis.call('TYPE', KEYS[2]).ok
if hashType ~= 'none' and hashType ~= 'hash' then return redis.error_reply('WRONGTYPE ' .. KEYS[1] .. ' holds a ' .. hashType .. ', not a hash') end
if feedbackType ~= 'none' and feedbackType ~= 'list' then return redis.error_reply('WRONGTYPE ' .. KEYS[2] .. ' holds a ' .. feedbackType .. ', not a list') end

local function decoded(raw)
  if not raw then return nil end
  local ok, value = pcall(cjson.decode, raw)
  if ok then return value end
  return nil
end

local function snapshot()
  return redis.call('HGETALL', KEYS[1]), redis.call('LRANGE', KEYS[2], 0, -1)
end

local function writeFields()
  for index = 2, 1 + 2 * tonumber(header.pairs or 0), 2 do
    redis.call('HSET', KEYS[1], ARGV[index], ARGV[index + 1])
  end
  for _, name in ipairs(header.unset or {}) do redis.call('HDEL', KEYS[1], name) end
end

local function threadKey()
  local channel = decoded(redis.call('HGET', KEYS[1], 'channel'))
  local threadTs = decoded(redis.call('HGET', KEYS[1], 'threadTs'))
  if type(channel) ~= 'string' or type(threadTs) ~= 'string' then return nil end
  return base .. '_thread:' .. channel .. ':' .. threadTs
end

-- Moves the task into header.to's index; an active task never expires, an inactive one
-- (with its feedback and thread index) expires header.retentionMs from now.
local function enterStatus(previous)
  if previous then redis.call('ZREM', base .. '_status:' .. previous, taskId) end
  local index = base .. '_status:' .. header.to
  redis.call('ZADD', index, header.now, taskId)
  local keys = { KEYS[1], KEYS[2] }
  local thread = threadKey()
  if thread and redis.call('GET', thread) == taskId then keys[3] = thread end
  for _, key in ipairs(keys) do
    if header.active then redis.call('PERSIST', key) else redis.call('PEXPIRE', key, header.retentionMs) end
  end
  if not header.active then redis.call('ZREMRANGEBYSCORE', index, '-inf', '(' .. header.expiredBefore) end
end
`;

/** Writes a new task unless its id exists; indexes its thread and status. Returns 1 or 0. */
export const createScript = `${helpers}
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('DEL', KEYS[2])
writeFields()
for index = 2 + 2 * tonumber(header.pairs), #ARGV do redis.call('RPUSH', KEYS[2], ARGV[index]) end
local thread = threadKey()
if thread then redis.call('SET', thread, taskId) end
enterStatus(nil)
return 1
`;

/**
 * Compare-and-set of the status: applies the fields (status and updatedAt included) only
 * when the current status is one of header.from. Returns { outcome, hash, feedback }.
 */
export const transitionScript = `${helpers}
local raw = redis.call('HGET', KEYS[1], 'status')
if not raw then return { 'not_found' } end
local current = decoded(raw)
local matches = false
for _, status in ipairs(header.from) do
  if status == current then matches = true end
end
if not matches then return { 'status_mismatch', snapshot() } end
writeFields()
enterStatus(current)
return { 'ok', snapshot() }
`;

/** Patches fields of an existing task. Returns { hash, feedback }, or nil when it does not exist. */
export const updateScript = `${helpers}
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
writeFields()
return { snapshot() }
`;

/** Appends ARGV[2] to an existing task's feedback, with the task's own lifetime. Returns 1 or 0. */
export const appendFeedbackScript = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('RPUSH', KEYS[2], ARGV[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl > 0 then redis.call('PEXPIRE', KEYS[2], ttl) end
return 1
`;

/** Deletes KEYS[1] only while it still holds ARGV[1] (our claim, not a later one). */
export const releaseScript = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

/** Fields a patch may not touch: identity and indexes, the status (`transition`), feedback (`appendFeedback`). */
const lockedFields = ['taskId', 'status', 'pendingFeedback', 'channel', 'threadTs', 'createdAt', 'updatedAt'] as const;
/** The fields `update` and a transition's `patch` may set; a key given as `undefined` is removed. */
export type TaskPatch = Partial<Omit<TaskRecord, (typeof lockedFields)[number]>>;

const patchSchema = taskRecordSchema
  .omit({ taskId: true, status: true, pendingFeedback: true, channel: true, threadTs: true, createdAt: true, updatedAt: true })
  .partial()
  .strict();

/** Validates a patch; returns the fields to write (with `updatedAt`) and those to remove. */
export function patchFields(patch: TaskPatch, now: number): { pairs: [string, unknown][]; unset: string[] } {
  const locked = Object.keys(patch).filter((name) => (lockedFields as readonly string[]).includes(name));
  if (locked.length > 0) {
    throw new TandemError('invalid_patch', `a patch may not set ${locked.join(', ')} (the status moves only through transition())`);
  }
  const parsed = patchSchema.safeParse(patch);
  if (!parsed.success) throw new TandemError('invalid_patch', `task patch is invalid: ${explain(parsed.error)}`);
  const unset = Object.keys(patch).filter((name) => (patch as Record<string, unknown>)[name] === undefined);
  const required = unset.filter((name) => !taskRecordSchema.shape[name as keyof TaskRecord].safeParse(undefined).success);
  if (required.length > 0) throw new TandemError('invalid_patch', `a patch may not remove required fields: ${required.join(', ')}`);
  const pairs = Object.entries(parsed.data).filter(([, value]) => value !== undefined);
  return { pairs: [...pairs, ['updatedAt', now]], unset };
}

/** Field name / value pairs → the flat ARGV the scripts read: name, JSON value, … */
export function encode(pairs: [string, unknown][]): string[] {
  return pairs.flatMap(([name, value]) => [name, JSON.stringify(value)]);
}

/** A zod error as one line: `path: message; …`. */
export function explain(error: { issues: { path: PropertyKey[]; message: string }[] }): string {
  return error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`).join('; ');
}

/** A hash as HGETALL returns it (flat name, value, …) plus the feedback list → a validated record. */
export function parseRecord(taskId: string, flatHash: string[], feedback: string[]): TaskRecord {
  const fields: Record<string, unknown> = {};
  for (let index = 0; index < flatHash.length; index += 2) {
    const name = flatHash[index]!;
    try {
      fields[name] = JSON.parse(flatHash[index + 1]!);
    } catch (error) {
      throw new TandemError('task_record_invalid', `task ${taskId} has a field that is not JSON: ${name}`, { cause: error });
    }
  }
  const parsed = taskRecordSchema.safeParse({ ...fields, pendingFeedback: feedback });
  if (!parsed.success) throw new TandemError('task_record_invalid', `task ${taskId} is invalid in Redis: ${explain(parsed.error)}`);
  return parsed.data;
}
