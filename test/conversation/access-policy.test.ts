import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AccessPolicy } from '../../src/conversation/access-policy.ts';

const policy = new AccessPolicy({
  allowedRepos: ['acme/api'],
  defaultRepo: 'acme/web',
  humanLeads: ['ULEAD'],
  allowedUsers: ['UDEV'],
  allowedChannels: ['CDEV'],
  requireSeparateApprover: true,
});

test('users, leads and channels', () => {
  assert.equal(policy.isUserAllowed('UDEV'), true);
  assert.equal(policy.isUserAllowed('ULEAD'), true, 'a lead may always ask');
  assert.equal(policy.isUserAllowed('USTRANGER'), false);
  assert.equal(policy.isChannelAllowed('CDEV'), true);
  assert.equal(policy.isChannelAllowed('CRANDOM'), false);
  assert.equal(policy.isLead('UDEV'), false);
});

test('empty lists allow any user and channel, but no lead', () => {
  const open = new AccessPolicy({ allowedRepos: [], defaultRepo: undefined, humanLeads: [], allowedUsers: [], allowedChannels: [], requireSeparateApprover: false });
  assert.equal(open.isUserAllowed('ANYONE'), true);
  assert.equal(open.isChannelAllowed('ANYWHERE'), true);
  assert.equal(open.isLead('ANYONE'), false);
  assert.equal(open.isRepoAllowed({ owner: 'acme', name: 'api' }), false, 'no repository without ALLOWED_REPOS or DEFAULT_REPO');
});

test('repositories: the allowed list plus the default, any case', () => {
  assert.equal(policy.isRepoAllowed({ owner: 'Acme', name: 'API' }), true);
  assert.equal(policy.isRepoAllowed({ owner: 'acme', name: 'web' }), true);
  assert.equal(policy.isRepoAllowed({ owner: 'acme', name: 'secret' }), false);
});

test('a file path is not taken for a repository, an unknown repo of a known owner is', () => {
  assert.equal(policy.namesRepo({ owner: 'src', name: 'app.ts' }), false);
  assert.equal(policy.namesRepo({ owner: 'acme', name: 'secret' }), true, 'refused later, never run on the default repo');
  assert.equal(policy.namesRepo({ owner: 'acme', name: 'api' }), true);
});

test('with REQUIRE_SEPARATE_APPROVER a lead cannot approve their own task', () => {
  assert.equal(policy.mayApprove({ user: 'ULEAD', requester: 'ULEAD' }), false);
  assert.equal(policy.mayApprove({ user: 'ULEAD', requester: 'UDEV' }), true);
  assert.equal(policy.mayApprove({ user: 'UDEV', requester: 'ULEAD' }), false, 'only leads approve');
  const relaxed = new AccessPolicy({ allowedRepos: [], defaultRepo: undefined, humanLeads: ['ULEAD'], allowedUsers: [], allowedChannels: [], requireSeparateApprover: false });
  assert.equal(relaxed.mayApprove({ user: 'ULEAD', requester: 'ULEAD' }), true);
});
