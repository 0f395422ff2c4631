import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { environmentVariables } from '../src/config.ts';

const read = (path: string) => readFile(new URL(`../${path}`, import.meta.url), 'utf8');

test('.env.example and the README name every variable tandem reads', async () => {
  const [example, readme] = await Promise.all([read('.env.example'), read('README.md')]);
  for (const variable of environmentVariables) {
    assert.match(example, new RegExp(`^#? ?${variable}=`, 'm'), `${variable} in .env.example`);
    assert.ok(readme.includes(`\`${variable}\``), `${variable} in README.md`);
  }
});

test('the launchd agents start the gateway and the worker from bin/tandem.js and stop with time to checkpoint', async () => {
  for (const role of ['gateway', 'worker']) {
    const plist = await read(`deploy/dev.tandem.${role}.plist`);
    assert.match(plist, new RegExp(`<string>dev\\.tandem\\.${role}</string>`));
    assert.match(plist, /<string>[^<]*\/bin\/tandem\.js<\/string>/);
    assert.match(plist, new RegExp(`<string>${role}</string>`));
    assert.match(plist, /<key>KeepAlive<\/key>\s*<true\/>/);
    assert.match(plist, /<key>ExitTimeOut<\/key>/);
    assert.equal(plist.match(/<dict>/g)?.length, plist.match(/<\/dict>/g)?.length, 'balanced');
  }
});
