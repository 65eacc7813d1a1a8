import { createHash } from 'node:crypto';
import type { RequestOptions } from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';
import { Agent, ProxyAgent, Socks5ProxyAgent, type Dispatcher } from 'undici';
import { KubeconfigError } from './errors.ts';

/** What every request to the API server carries: a dispatcher for the TLS identity, and credentials. */
export interface PreparedRequest {
  dispatcher: Dispatcher;
  /** Lower-case header names: Authorization, Impersonate-User… Never logged. */
  headers: Record<string, string>;
}

type TlsOptions = Pick<
  RequestOptions,
  'ca' | 'cert' | 'key' | 'pfx' | 'passphrase' | 'rejectUnauthorized' | 'servername'
>;

/**
 * The kubeconfig as the transport uses it. Credentials, TLS material and auth plugins (exec, OIDC,
 * token files) come from @kubernetes/client-node's KubeConfig (`applyToHTTPSOptions`), asked again
 * for every request so rotated tokens are picked up; requests go out through undici, with one
 * connection pool per TLS identity.
 *
 * A plain `http://` server (what `kubectl proxy` gives) is used as kubectl uses it. client-node
 * refuses such a server unless `insecure-skip-tls-verify` is set, which on plain HTTP only selects
 * its http.Agent (there is no TLS to skip), so the KubeConfig handed to client-node (`forClientNode`)
 * reports that flag for an http:// cluster and nothing else changes.
 */
export class KubeConnection {
  readonly server: string;
  readonly plainHttp: boolean;
  /** The KubeConfig to give client-node's own classes (exec's WebSocket handler). */
  readonly forClientNode: KubeConfig;
  private readonly dispatchers = new Map<string, Dispatcher>();

  constructor(private readonly kc: KubeConfig) {
    const cluster = kc.getCurrentCluster();
    this.server = (cluster?.server ?? '').replace(/\/+$/, '');
    this.plainHttp = this.server.startsWith('http://');
    if (this.plainHttp && cluster && !cluster.skipTLSVerify) {
      // Every method of the view reads through to kc (users, auth plugins, their token caches);
      // only the cluster it reports differs.
      const view = Object.create(kc) as KubeConfig;
      const plain = { ...cluster, skipTLSVerify: true };
      view.getCurrentCluster = () => plain;
      this.forClientNode = view;
    } else {
      this.forClientNode = kc;
    }
  }

  /** Credentials and a dispatcher for one request. */
  async prepare(): Promise<PreparedRequest> {
    const opts: RequestOptions = {};
    try {
      await this.forClientNode.applyToHTTPSOptions(opts);
    } catch (err) {
      throw new KubeconfigError(
        `cannot get credentials from the kubeconfig for ${this.server}: ${err instanceof Error ? err.message : String(err)}`,
        err,
      );
    }
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(opts.headers ?? {})) {
      if (value === undefined) continue;
      headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
    }
    if (opts.auth) headers.authorization = `Basic ${Buffer.from(opts.auth).toString('base64')}`;
    const tls: TlsOptions = {};
    for (const key of ['ca', 'cert', 'key', 'pfx', 'passphrase', 'servername'] as const) {
      if (opts[key] !== undefined && opts[key] !== null) Object.assign(tls, { [key]: opts[key] });
    }
    if (opts.rejectUnauthorized !== undefined) tls.rejectUnauthorized = opts.rejectUnauthorized;
    return { dispatcher: this.dispatcherFor(tls), headers };
  }

  /** Closes every connection pool (idle keep-alive sockets included). */
  async close(): Promise<void> {
    const all = [...this.dispatchers.values()];
    this.dispatchers.clear();
    await Promise.all(all.map((d) => d.close().catch(() => undefined)));
  }

  private dispatcherFor(tls: TlsOptions): Dispatcher {
    const key = fingerprint(tls);
    let dispatcher = this.dispatchers.get(key);
    if (dispatcher) return dispatcher;
    const proxy = this.kc.getCurrentCluster()?.proxyUrl;
    const connect = this.plainHttp ? {} : tls;
    if (proxy?.startsWith('socks')) {
      // undici 7 applies `requestTls` to the TLS session through the SOCKS tunnel
      // (lib/dispatcher/socks5-proxy-agent.js), though its type declarations leave it out.
      const options = { requestTls: connect } as unknown as Socks5ProxyAgent.Options;
      dispatcher = new Socks5ProxyAgent(proxy, options);
    } else if (proxy) dispatcher = new ProxyAgent({ uri: proxy, requestTls: connect });
    else dispatcher = new Agent({ connect });
    this.dispatchers.set(key, dispatcher);
    return dispatcher;
  }
}

/** A key for the TLS identity: material is hashed, never kept as text. */
function fingerprint(tls: TlsOptions): string {
  const hash = createHash('sha256');
  for (const [k, v] of Object.entries(tls).sort(([a], [b]) => a.localeCompare(b))) {
    hash.update(`${k}=`);
    hash.update(Buffer.isBuffer(v) ? v : JSON.stringify(v));
    hash.update('\0');
  }
  return hash.digest('hex');
}
