import type { WebClient } from '@slack/web-api';
import type { Surface, SurfaceMessage, ThreadRef } from '../conversation/surface.ts';
import type { Logger } from '../logger.ts';
import { toBlockKit } from './block-kit.ts';
import { ChannelWriter } from './channel-writer.ts';

/** How many recent messages' content the surface remembers, to skip edits that change nothing. */
const rememberedMessages = 1000;

/**
 * The conversation's surface on Slack: Block Kit messages through the Web API, every
 * write spaced per channel, waiting edits of a message coalesced, an edit that would
 * not change the message skipped, long content uploaded as a file.
 */
export class SlackSurface implements Surface {
  readonly #client: WebClient;
  readonly #writer: ChannelWriter;
  readonly #logger: Logger;
  /** What each recent message shows, or will once its queued edit is written. */
  readonly #shown = new Map<string, { content: string; written: Promise<void> }>();

  constructor(options: { client: WebClient; writer?: ChannelWriter; logger: Logger }) {
    this.#client = options.client;
    this.#writer = options.writer ?? new ChannelWriter();
    this.#logger = options.logger;
  }

  async post(channel: string, message: SurfaceMessage): Promise<string> {
    return this.#send(channel, undefined, message);
  }

  async reply(thread: ThreadRef, message: SurfaceMessage): Promise<string> {
    return this.#send(thread.channel, thread.threadTs, message);
  }

  async update(channel: string, ts: string, message: SurfaceMessage): Promise<void> {
    const rendered = toBlockKit(message);
    const content = JSON.stringify(rendered);
    const shown = this.#shown.get(ts);
    if (shown?.content === content) return shown.written;
    const written = this.#writer
      .write(channel, () => this.#client.chat.update({ channel, ts, ...rendered }), `update:${ts}`)
      .then(() => undefined);
    this.#remember(ts, content, written);
    // A failed edit leaves the message as it was: the same edit may be tried again.
    written.catch(() => {
      if (this.#shown.get(ts)?.written === written) this.#shown.delete(ts);
    });
    return written;
  }

  async notify(input: { channel: string; user: string; text: string; threadTs?: string }): Promise<void> {
    const rendered = toBlockKit({ text: input.text });
    await this.#writer.write(input.channel, () =>
      this.#client.chat.postEphemeral({ channel: input.channel, user: input.user, thread_ts: input.threadTs, ...rendered }),
    );
  }

  async link(channel: string, ts: string): Promise<string | undefined> {
    try {
      const answer = await this.#client.chat.getPermalink({ channel, message_ts: ts });
      return answer.permalink;
    } catch (error) {
      this.#logger.warn({ channel, err: error }, 'could not get a permalink');
      return undefined;
    }
  }

  mention(user: string): string {
    return `<@${user}>`;
  }

  /** Waits until every queued write has been sent (for shutdown). */
  idle(): Promise<void> {
    return this.#writer.idle();
  }

  async #send(channel: string, threadTs: string | undefined, message: SurfaceMessage): Promise<string> {
    const rendered = toBlockKit(message);
    const answer = await this.#writer.write(channel, () =>
      this.#client.chat.postMessage({ channel, thread_ts: threadTs, unfurl_links: false, ...rendered }),
    );
    const ts = answer.ts!;
    this.#remember(ts, JSON.stringify(rendered), Promise.resolve());
    if (message.attachment) {
      const { filename, title, content } = message.attachment;
      await this.#writer
        .write(channel, () =>
          this.#client.files.uploadV2({ channel_id: channel, thread_ts: threadTs ?? ts, filename, title, content }),
        )
        .catch((error: unknown) => this.#logger.warn({ channel, err: error }, 'could not upload a file'));
    }
    return ts;
  }

  #remember(ts: string, content: string, written: Promise<void>): void {
    this.#shown.delete(ts);
    this.#shown.set(ts, { content, written });
    for (const oldest of this.#shown.keys()) {
      if (this.#shown.size <= rememberedMessages) break;
      this.#shown.delete(oldest);
    }
  }
}
