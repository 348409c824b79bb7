/**
 * The validated configuration. Its shape is config/modsync.schema.json; the documented
 * defaults are config/modsync.yaml.
 */
import type { HostKind } from '../host/port.ts';

export interface Config {
  instance: string;
  git: {
    repo: string;
    branch: string;
    revision: string;
    path: string;
    cacheDir: string;
    username: string;
    tokenFile: string;
    tokenEnv: string;
    authorName: string;
    authorEmail: string;
    timeoutSeconds: number;
    pushRetries: number;
  };
  cluster: {
    kubeconfig: string;
    context: string;
    timeoutSeconds: number;
    retries: number;
    moduleWaitSeconds: number;
  };
  sync: {
    prune: boolean;
    maxDestructive: number;
    protected: string[];
    secretsDir: string;
    takeOverManagers: string[];
    takeOverInstances: string[];
  };
  status: {
    enabled: boolean;
    path: string;
    branch: string;
  };
  host: {
    kind: HostKind;
    url: string;
    tokenFile: string;
    tokenEnv: string;
  };
  daemon: {
    schedule: string;
    jitterSeconds: number;
    listen: string;
    webhookSecretFile: string;
    lease: boolean;
    leaseNamespace: string;
    leaseSeconds: number;
    shutdownGraceSeconds: number;
  };
  log: {
    format: 'json' | 'pretty';
    level: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';
  };
}
