import { readFile } from 'node:fs/promises';

/** The item of a YAML list line (`  - chat:write   # comment`), without quotes and comment. */
function listItem(line: string): string | undefined {
  const match = /^\s*-\s+(.*)$/.exec(line);
  return match ? unquote(stripComment(match[1]!)) : undefined;
}

function stripComment(text: string): string {
  return text.replace(/\s+#.*$/, '').trim();
}

function unquote(text: string): string {
  return text.replace(/^"(.*)"$|^'(.*)'$/, '$1$2');
}

/**
 * The bot scopes a Slack app manifest asks for (`oauth_config.scopes.bot`), read line by
 * line: enough YAML for manifest.yml (block lists with comments, or a `[a, b]` flow list),
 * without a YAML dependency. Empty when the manifest names none.
 */
export function parseManifestBotScopes(manifest: string): string[] {
  const path: { key: string; indent: number }[] = [];
  const scopes: string[] = [];
  let inBotList = false;
  for (const rawLine of manifest.split(/\r?\n/)) {
    if (rawLine.trim() === '' || rawLine.trim().startsWith('#')) continue;
    const indent = rawLine.length - rawLine.trimStart().length;
    const item = listItem(rawLine);
    if (inBotList && item !== undefined && indent >= path.at(-1)!.indent) {
      scopes.push(item);
      continue;
    }
    inBotList = false;
    const keyMatch = /^\s*([\w.-]+):(.*)$/.exec(rawLine);
    if (!keyMatch) continue;
    while (path.length > 0 && path.at(-1)!.indent >= indent) path.pop();
    path.push({ key: keyMatch[1]!, indent });
    if (path.map((entry) => entry.key).join('.') !== 'oauth_config.scopes.bot') continue;
    const rest = stripComment(keyMatch[2]!);
    const flow = /^\[(.*)\]$/.exec(rest);
    if (flow) {
      scopes.push(...flow[1]!.split(',').map((scope) => unquote(scope.trim())).filter((scope) => scope !== ''));
    } else {
      inBotList = rest === '';
    }
  }
  return scopes;
}

/** Reads `oauth_config.scopes.bot` from the manifest file at `path`. */
export async function readManifestBotScopes(path: string): Promise<string[]> {
  return parseManifestBotScopes(await readFile(path, 'utf8'));
}
