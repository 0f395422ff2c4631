import type { SurfaceButton, SurfaceMessage } from '../conversation/surface.ts';

/** Block Kit's limits: 50 blocks a message, 3,000 characters a section's text. */
export const blockLimits = { blocks: 50, sectionText: 3000, fallbackText: 3000, buttonLabel: 75, items: 40 } as const;

type Block = Record<string, unknown>;

function cut(text: string, limit: number): string {
  return text.length <= limit ? text : `${text.slice(0, limit - 1)}…`;
}

/** Splits text into section-sized pieces, at line ends where it can. */
export function chunkText(text: string, limit: number = blockLimits.sectionText): string[] {
  const chunks: string[] = [];
  let rest = text;
  while (rest.length > limit) {
    const newline = rest.lastIndexOf('\n', limit);
    const at = newline > limit / 2 ? newline : limit;
    chunks.push(rest.slice(0, at));
    rest = rest.slice(at).replace(/^\n/, '');
  }
  if (rest.length > 0 || chunks.length === 0) chunks.push(rest);
  return chunks;
}

function section(text: string): Block {
  return { type: 'section', text: { type: 'mrkdwn', text: text === '' ? ' ' : text } };
}

function button(spec: SurfaceButton): Block {
  const element: Block = {
    type: 'button',
    action_id: spec.actionId,
    text: { type: 'plain_text', text: cut(spec.label, blockLimits.buttonLabel), emoji: true },
    value: spec.value,
  };
  if (spec.style) element.style = spec.style;
  if (spec.confirm) {
    element.confirm = {
      title: { type: 'plain_text', text: cut(spec.confirm.title, 100) },
      text: { type: 'mrkdwn', text: cut(spec.confirm.text, 300) },
      confirm: { type: 'plain_text', text: cut(spec.confirm.confirm, 30) },
      deny: { type: 'plain_text', text: cut(spec.confirm.deny, 30) },
      ...(spec.style === 'danger' ? { style: 'danger' } : {}),
    };
  }
  return element;
}

/** A surface message as Slack's `text` (notifications, fallback) and `blocks`, within Block Kit's limits. */
export function toBlockKit(message: SurfaceMessage): { text: string; blocks: Block[] } {
  const blocks: Block[] = chunkText(message.text).map(section);
  if (message.items && message.items.length > 0) {
    const shown = message.items.slice(0, blockLimits.items).map((item) => `• ${item}`);
    const more = message.items.length - shown.length;
    if (more > 0) shown.push(`…and ${more} more`);
    blocks.push(...chunkText(shown.join('\n')).map(section));
  }
  const tail: Block[] = [];
  if (message.context) tail.push({ type: 'context', elements: [{ type: 'mrkdwn', text: cut(message.context, blockLimits.sectionText) }] });
  if (message.buttons && message.buttons.length > 0) tail.push({ type: 'actions', elements: message.buttons.map(button) });
  const room = blockLimits.blocks - tail.length;
  const body = blocks.length > room ? [...blocks.slice(0, room - 1), section('…(cut to fit the message)')] : blocks;
  return { text: cut(message.text, blockLimits.fallbackText), blocks: [...body, ...tail] };
}
