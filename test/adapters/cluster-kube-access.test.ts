/**
 * The credentials and transport of the cluster client without client-node's KubeConfig: a TLS
 * API server verified by the kubeconfig's CA, a client certificate, the service account's
 * token file, an exec plugin, and relative paths in a
 * kubeconfig file. The server here is a plain node:https server that records what it got.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeAccess } from '../../src/cluster/kube-access.ts';
import { createKubeAdapter } from '../../src/cluster/kube-adapter.ts';
import { loadKubeConfig } from '../../src/cluster/kubeconfig.ts';
import { ClusterError } from '../../src/core/errors.ts';

const dir = mkdtempSync(join(tmpdir(), 'modsync-tls-'));
const file = (name: string): string => join(dir, name);
let server: Server;
let url = '';
const seen: { authorization?: string; clientCN?: string }[] = [];

function openssl(...args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
}

beforeAll(async () => {
  // A CA, a server certificate for 127.0.0.1 and a client certificate, all signed by the CA.
  const key = ['-newkey', 'rsa:2048', '-nodes'];
  openssl('req', '-x509', ...key, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '1', '-subj', '/CN=ca');
  for (const [name, subj, ext] of [
    ['server', '/CN=apiserver', 'subjectAltName=IP:127.0.0.1'],
    ['client', '/CN=modsync-admin', 'extendedKeyUsage=clientAuth'],
  ] as const) {
    openssl('req', ...key, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subj);
    writeFileSync(file(`${name}.ext`), `${ext}\n`);
    const sign = ['-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '1', '-extfile', `${name}.ext`];
    openssl('x509', '-req', '-in', `${name}.csr`, '-out', `${name}.crt`, ...sign);
  }
  const read = (name: string): Buffer => readFileSync(file(name));
  const tls = { key: read('server.key'), cert: read('server.crt'), ca: read('ca.crt') };
  server = createServer({ ...tls, requestCert: true, rejectUnauthorized: false }, (req, res) => {
    const cn = (req.socket as TLSSocket).getPeerCertificate()?.subject?.CN;
    seen.push({ authorization: req.headers.authorization, clientCN: Array.isArray(cn) ? cn.join(',') : cn });
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ kind: 'ModuleConfigList', apiVersion: 'deckhouse.io/v1alpha1', metadata: {}, items: [] }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

function access(user: Record<string, unknown>, cluster: Record<string, unknown> = {}): KubeAccess {
  const kc = new KubeAccess();
  kc.loadFromOptions({
    clusters: [{ name: 'c', server: url, skipTLSVerify: false, caFile: file('ca.crt'), ...cluster }],
    users: [{ name: 'u', ...user }],
    contexts: [{ name: 'c', cluster: 'c', user: 'u' }],
    currentContext: 'c',
  });
  return kc;
}

async function listOnce(kc: KubeAccess): Promise<{ authorization?: string; clientCN?: string }> {
  seen.length = 0;
  await createKubeAdapter({ kc, retries: 0, timeoutMs: 5000 }).list('ModuleConfig');
  expect(seen).toHaveLength(1);
  return seen[0]!;
}

describe('KubeAccess over TLS', () => {
  it('verifies the server with the kubeconfig CA and presents the client certificate', async () => {
    const got = await listOnce(access({ certFile: file('client.crt'), keyFile: file('client.key') }));
    expect(got.clientCN).toBe('modsync-admin');
    expect(got.authorization).toBeUndefined();
  });

  it('refuses a server its CA did not sign, naming the TLS failure', async () => {
    const otherCa = readFileSync(file('client.crt')).toString('base64');
    const kc = access({ token: 't' }, { caFile: undefined, caData: otherCa });
    const err = await createKubeAdapter({ kc, retries: 0 })
      .list('ModuleConfig')
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ClusterError);
    const tlsFailure = /^ModuleConfig: cannot reach https:\/\/127\.0\.0\.1:\d+: .*(CERT|certificate)/i;
    expect((err as ClusterError).message).toMatch(tlsFailure);
  });

  it('sends the service account token read from its token file', async () => {
    writeFileSync(file('token'), 'first-token');
    const kc = access({ authProvider: { name: 'tokenFile', config: { tokenFile: file('token') } } });
    expect((await listOnce(kc)).authorization).toBe('Bearer first-token');
  });

  it('runs an exec credential plugin and sends the token it prints', async () => {
    const plugin = file('plugin.sh');
    const apiVersion = 'client.authentication.k8s.io/v1';
    const credential = { apiVersion, kind: 'ExecCredential', status: { token: 'from-exec' } };
    writeFileSync(plugin, `#!/bin/sh\necho '${JSON.stringify(credential)}'\n`);
    chmodSync(plugin, 0o755);
    const got = await listOnce(access({ exec: { apiVersion, command: plugin, args: [] } }));
    expect(got.authorization).toBe('Bearer from-exec');
  });

  it('reads certificate paths of a kubeconfig file relative to that file', async () => {
    const kubeconfig = file('kubeconfig');
    const yaml = [
      'apiVersion: v1',
      'kind: Config',
      'clusters: [{ name: c, cluster: { server: "' + url + '", certificate-authority: ca.crt } }]',
      'users: [{ name: u, user: { client-certificate: client.crt, client-key: client.key } }]',
      'contexts: [{ name: c, context: { cluster: c, user: u } }]',
      'current-context: c',
    ].join('\n');
    writeFileSync(kubeconfig, yaml);
    const { kc } = loadKubeConfig({ kubeconfig, env: {} });
    expect((await listOnce(kc)).clientCN).toBe('modsync-admin');
  });
});
