// The URL (SSRF) guard: the corpus of address encodings is refused; a real DNS name that resolves to
// 127.0.0.1 (localhost, through the system resolver, and any name through an injected resolver) is refused;
// public addresses, allow lists and allowAddresses pass.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  addressRule,
  checkStandalone,
  createUrlGuard,
  embeddedIpv4,
  type GuardVerdict,
  type Resolver,
} from '../../../src/policies/guards/index.js';
import { readCorpus } from './_corpus.js';

const defaults = {
  schemes: ['https', 'http'],
  hosts: { deny: [] },
  allowAddresses: [],
  resolve: true,
  resolveTimeoutMs: 2000,
  maxLength: 8192,
};
const rule = (v: GuardVerdict): string => (v.decision === 'allow' ? 'allow' : v.rule);
// Public names resolve to a public address; "rebind.test" to loopback (a name we do not control in DNS).
const fakeDns: Resolver = async (host) =>
  host === 'rebind.test'
    ? ['127.0.0.1']
    : host === 'mixed.test'
      ? ['93.184.215.14', '10.0.0.5']
      : host === 'nx.test'
        ? []
        : ['93.184.215.14'];

void describe('url guard', () => {
  void it('refuses every SSRF attempt of the corpus', async (t) => {
    const g = createUrlGuard(defaults, fakeDns);
    const corpus = readCorpus('url-bypass.txt');
    assert.ok(corpus.length >= 60, `corpus has ${corpus.length}`);
    const rules = new Map<string, number>();
    for (const u of corpus) {
      const v = await checkStandalone(g, u);
      assert.equal(v.decision, 'deny', `accepted: ${u}`);
      rules.set(rule(v), (rules.get(rule(v)) ?? 0) + 1);
    }
    t.diagnostic(`${corpus.length} refused; by rule ${JSON.stringify(Object.fromEntries(rules))}`);
  });

  void it('a DNS name resolving to 127.0.0.1 is refused: localhost via the system resolver, any name via DNS', async () => {
    const system = createUrlGuard({ ...defaults, hosts: { allow: ['*'], deny: [] } });
    // With an allow list the local-name shortcut is skipped: the verdict comes from what the name resolves to.
    assert.equal(rule(await checkStandalone(system, 'http://localhost:8080/')), 'url.loopback');
    const g = createUrlGuard(defaults, fakeDns);
    assert.equal(rule(await checkStandalone(g, 'https://rebind.test/x')), 'url.loopback');
    assert.equal(rule(await checkStandalone(g, 'https://mixed.test/x')), 'url.private-address');
    assert.equal(rule(await checkStandalone(g, 'https://nx.test/')), 'url.unresolvable');
  });

  void it('accepts public URLs; allow lists and allowAddresses open what the operator chooses', async () => {
    const g = createUrlGuard(defaults, fakeDns);
    for (const u of [
      'https://example.com/',
      'http://example.com:8080/a?b=c#d',
      'https://93.184.215.14/',
      'https://[2606:2800:21f:cb07:6820:80da:af6b:8b2c]/',
      'https://sub.example.co.uk/path',
    ])
      assert.equal(rule(await checkStandalone(g, u)), 'allow', u);
    const scoped = createUrlGuard(
      { ...defaults, schemes: ['https'], hosts: { allow: ['*.example.com'], deny: ['evil.example.com'] }, allowAddresses: ['10.1.2.0/24'] },
      async () => ['10.1.2.3'],
    );
    assert.equal(rule(await checkStandalone(scoped, 'https://api.example.com/')), 'allow');
    assert.equal(rule(await checkStandalone(scoped, 'https://evil.example.com/')), 'url.host-denied');
    assert.equal(rule(await checkStandalone(scoped, 'https://other.org/')), 'url.host-not-allowed');
    assert.equal(rule(await checkStandalone(scoped, 'http://api.example.com/')), 'url.scheme');
    const noDns = createUrlGuard({ ...defaults, resolve: false }, () => assert.fail('no lookup expected'));
    assert.equal(rule(await checkStandalone(noDns, 'https://example.com/')), 'allow');
    assert.equal(rule(await checkStandalone(noDns, 'http://2130706433/')), 'url.loopback');
  });

  void it('a slow resolver is cut at resolveTimeoutMs; a cancelled call stops waiting', async () => {
    const never: Resolver = () => new Promise(() => {});
    const g = createUrlGuard({ ...defaults, resolveTimeoutMs: 50 }, never);
    assert.equal(rule(await checkStandalone(g, 'https://slow.test/')), 'url.unresolvable');
    const long = createUrlGuard({ ...defaults, resolveTimeoutMs: 60_000 }, never);
    const controller = new AbortController();
    const pending = checkStandalone(long, 'https://slow.test/', controller.signal);
    controller.abort();
    assert.equal(rule(await pending), 'url.unresolvable');
  });

  void it('address ranges: embedded IPv4 in IPv6 forms', () => {
    assert.equal(embeddedIpv4('::ffff:7f00:1'), '127.0.0.1');
    assert.equal(embeddedIpv4('64:ff9b::a9fe:a9fe'), '169.254.169.254');
    assert.equal(embeddedIpv4('2002:c0a8:101::1'), '192.168.1.1');
    assert.equal(addressRule('8.8.8.8'), undefined);
    assert.equal(addressRule('2001:4860:4860::8888'), undefined);
    assert.equal(addressRule('::ffff:10.0.0.1'), 'url.private-address');
  });
});
