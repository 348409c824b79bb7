/**
 * A kubeconfig without @kubernetes/client-node's generated API layer: the clusters, users and
 * contexts of one or more files (parsed with client-node's own `config_types`, so entries read
 * the same as with its KubeConfig), and the credentials of the current context as Node
 * https options.
 *
 * Importing client-node's KubeConfig also loads its whole generated model layer (~0.4 s and
 * ~80 MB on every start). The common credentials are handled here with client-node's small
 * authenticator modules: bearer token (inline or token file), client certificates, basic
 * auth, the `tokenFile` provider of the in-cluster service account, and exec plugins. Anything
 * else (oidc, azure and gcp auth providers, a `proxy-url`) loads client-node's KubeConfig on
 * first use and lets it do what it does.
 */
import { readFileSync } from 'node:fs';
import type { Agent as HttpsAgent, AgentOptions, RequestOptions } from 'node:https';
import { nodeHttpModules } from '../core/node-http-modules.ts';
import { dirname, isAbsolute, join } from 'node:path';
import {
  newClusters,
  newContexts,
  newUsers,
  type Cluster,
  type Context,
  type User,
} from '@kubernetes/client-node/dist/config_types.js';
import type { ExecAuth } from '@kubernetes/client-node/dist/exec_auth.js';
import { FileAuth } from '@kubernetes/client-node/dist/file_auth.js';
import { parse } from 'yaml';

export type { Cluster, Context, User } from '@kubernetes/client-node/dist/config_types.js';

/** What the cluster client needs of a kubeconfig; client-node's KubeConfig has the same shape. */
export interface KubeConfigLike {
  getCurrentCluster(): Cluster | null;
  getCurrentUser(): User | null;
  /** Fills in headers (Authorization), TLS material and an agent for one request. */
  applyToHTTPSOptions(opts: RequestOptions): Promise<void>;
}

/** The parts of a kubeconfig, as client-node's `loadFromOptions` takes them. */
export interface KubeConfigParts {
  clusters: Cluster[];
  users: User[];
  contexts: Context[];
  currentContext: string;
}

interface HeaderOptions {
  headers: Record<string, string>;
  cert?: string | Buffer;
  key?: string | Buffer;
}

/** A kubeconfig (see the file comment); the methods modsync uses match client-node's KubeConfig. */
export class KubeAccess implements KubeConfigLike {
  clusters: Cluster[] = [];
  users: User[] = [];
  contexts: Context[] = [];
  currentContext = '';
  private readonly fileAuth = new FileAuth();
  /** Imported on first use: it loads node:child_process, which a token or certificate user never needs. */
  private execAuth: Promise<ExecAuth> | undefined;
  private agent: { key: string; agent: HttpsAgent } | undefined;
  private fallback: Promise<KubeConfigLike> | undefined;

  /** Reads a kubeconfig file; relative certificate and token paths resolve against its folder. */
  loadFromFile(path: string): void {
    const doc = (parse(readFileSync(path, 'utf8')) ?? {}) as Record<string, unknown>;
    const root = dirname(path);
    const abs = (p: string | undefined): string | undefined => (p && !isAbsolute(p) ? join(root, p) : p);
    const clusters = newClusters(doc.clusters).map((c) => ({ ...c, caFile: abs(c.caFile) }));
    const users = newUsers(doc.users).map((u) => ({ ...u, certFile: abs(u.certFile), keyFile: abs(u.keyFile) }));
    const currentContext = String(doc['current-context'] ?? '');
    this.loadFromOptions({ clusters, users, contexts: newContexts(doc.contexts), currentContext });
  }

  loadFromOptions(parts: KubeConfigParts): void {
    this.clusters = parts.clusters;
    this.users = parts.users;
    this.contexts = parts.contexts;
    this.currentContext = parts.currentContext;
    this.agent = undefined;
    this.fallback = undefined;
  }

  setCurrentContext(name: string): void {
    this.currentContext = name;
    this.agent = undefined;
    this.fallback = undefined;
  }

  getContextObject(name: string): Context | null {
    return this.contexts.find((c) => c.name === name) ?? null;
  }

  getCluster(name: string): Cluster | null {
    return this.clusters.find((c) => c.name === name) ?? null;
  }

  getCurrentCluster(): Cluster | null {
    const ctx = this.getContextObject(this.currentContext);
    return ctx ? this.getCluster(ctx.cluster) : null;
  }

  getCurrentUser(): User | null {
    const ctx = this.getContextObject(this.currentContext);
    return ctx ? (this.users.find((u) => u.name === ctx.user) ?? null) : null;
  }

  async applyToHTTPSOptions(opts: RequestOptions): Promise<void> {
    const cluster = this.getCurrentCluster();
    const user = this.getCurrentUser();
    if (needsClientNode(cluster, user)) return (await this.clientNode()).applyToHTTPSOptions(opts);
    const auth: HeaderOptions = { headers: {} };
    if (user?.exec || user?.authProvider?.name === 'exec' || user?.authProvider?.config?.exec) {
      this.execAuth ??= import('@kubernetes/client-node/dist/exec_auth.js').then((m) => new m.ExecAuth());
      await (await this.execAuth).applyAuthentication(user, auth);
    } else if (user?.authProvider?.config?.tokenFile) {
      await this.fileAuth.applyAuthentication(user, auth);
    }
    if (user?.token) auth.headers.Authorization = `Bearer ${user.token}`;
    if (user?.username) {
      auth.headers.Authorization = `Basic ${Buffer.from(`${user.username}:${user.password ?? ''}`).toString('base64')}`;
    }
    if (user?.impersonateUser) auth.headers['Impersonate-User'] = user.impersonateUser;
    opts.headers = { ...(opts.headers as Record<string, string> | undefined), ...auth.headers };
    if (!cluster?.server.startsWith('https:')) return;
    const tls: AgentOptions = {
      ca: fileOrData(cluster.caFile, cluster.caData),
      cert: auth.cert ?? fileOrData(user?.certFile, user?.certData),
      key: auth.key ?? fileOrData(user?.keyFile, user?.keyData),
      ...(cluster.skipTLSVerify ? { rejectUnauthorized: false } : {}),
      ...(cluster.tlsServerName ? { servername: cluster.tlsServerName } : {}),
    };
    opts.agent = this.agentFor(tls);
  }

  /** One keep-alive agent per TLS identity (exec plugins may rotate the client certificate). */
  private agentFor(tls: AgentOptions): HttpsAgent {
    const parts = [tls.ca, tls.cert, tls.key, tls.rejectUnauthorized, tls.servername];
    const key = JSON.stringify(parts.map((v) => String(v ?? '')));
    if (this.agent?.key !== key) {
      this.agent?.agent.destroy();
      this.agent = { key, agent: new (nodeHttpModules().https.Agent)({ ...tls, keepAlive: true }) };
    }
    return this.agent.agent;
  }

  /** client-node's KubeConfig over the same entries, loaded on first use. */
  private clientNode(): Promise<KubeConfigLike> {
    this.fallback ??= import('@kubernetes/client-node').then(({ KubeConfig }) => {
      const kc = new KubeConfig();
      const { clusters, users, contexts, currentContext } = this;
      kc.loadFromOptions({ clusters, users, contexts, currentContext });
      return kc;
    });
    return this.fallback;
  }
}

/** Credentials or transport this class leaves to client-node: other auth providers, proxies. */
function needsClientNode(cluster: Cluster | null, user: User | null): boolean {
  if (cluster?.proxyUrl) return true;
  const provider = user?.authProvider as { name?: string; config?: Record<string, unknown> } | undefined;
  if (!provider) return false;
  return !(provider.config?.tokenFile || provider.config?.exec || provider.name === 'exec');
}

function fileOrData(file: string | undefined, data: string | undefined): Buffer | undefined {
  if (file) return readFileSync(file);
  return data ? Buffer.from(data, 'base64') : undefined;
}
