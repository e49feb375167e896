/**
 * A real TLS-terminating gRPC proxy in front of the (plaintext) dev server: Debian's nginx with
 * `grpc_pass`, optionally requiring a client certificate (`ssl_verify_client on`) or a bearer API key.
 * It runs in the foreground as our child (`daemon off`) and is stopped by its process id.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { vi } from "vitest";
import { freePort, stopProcess } from "../../../scripts/dev-server.js";
import type { TestCertificates } from "./certs.js";

export interface ProxyOptions {
  /** host:port of the plaintext Temporal frontend to forward to. */
  upstream: string;
  certs: TestCertificates;
  /** Require a client certificate signed by the client CA. */
  mtls?: boolean;
  /** Require `authorization: Bearer <apiKey>`. */
  apiKey?: string;
  /**
   * With mtls: refuse a missing or bad client certificate as a stock nginx does, with plain HTTP 400,
   * instead of a gRPC status.
   */
  plainHttpRefusal?: boolean;
}

export interface TlsProxy {
  /** host:port of the TLS listener. */
  readonly address: string;
  readonly pid: number;
  stop(): Promise<void>;
}

/** The nginx binary, or undefined when nginx is not installed (.ci/run installs it). */
export function nginxBinary(): string | undefined {
  for (const candidate of ["/usr/sbin/nginx", "/usr/local/sbin/nginx", "/usr/local/nginx/sbin/nginx"]) {
    if (existsSync(candidate)) return candidate;
  }
  try {
    return execFileSync("sh", ["-c", "command -v nginx"], { encoding: "utf8" }).trim() || undefined;
  } catch {
    return undefined;
  }
}

/**
 * A gRPC error answered by nginx itself: a "trailers-only" response (HTTP 200, content-type
 * application/grpc, grpc-status in the headers), as a gRPC server or gateway sends it.
 */
function grpcErrorLocation(name: string, code: number, message: string): string {
  return `
    location @${name} {
      default_type application/grpc;
      add_header grpc-status ${code} always;
      add_header grpc-message "${message}" always;
      return 200;
    }`;
}

function config(dir: string, port: number, options: ProxyOptions): string {
  const { certs } = options;
  const temp = (name: string) => {
    mkdirSync(join(dir, name), { recursive: true });
    return join(dir, name);
  };
  return `
daemon off;
worker_processes 1;
pid ${join(dir, "nginx.pid")};
error_log ${join(dir, "error.log")} info;
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path ${temp("body")};
  proxy_temp_path ${temp("proxy")};
  fastcgi_temp_path ${temp("fastcgi")};
  uwsgi_temp_path ${temp("uwsgi")};
  scgi_temp_path ${temp("scgi")};
  server {
    listen 127.0.0.1:${port} ssl http2;
    ssl_certificate ${certs.serverCert};
    ssl_certificate_key ${certs.serverKey};
    ${options.mtls ? `ssl_client_certificate ${certs.clientCaCert};\n    ssl_verify_client on;` : ""}
    ${options.plainHttpRefusal ? "" : "# nginx answers a missing (496) or bad (495) client certificate with HTTP 400; say it in gRPC.\n    error_page 495 496 = @no_client_certificate;"}
    location / {
      ${options.apiKey ? `if ($http_authorization != "Bearer ${options.apiKey}") { return 418; }\n      error_page 418 = @unauthenticated;` : ""}
      grpc_read_timeout 300s;
      grpc_send_timeout 300s;
      grpc_pass grpc://${options.upstream};
    }
    ${grpcErrorLocation("unauthenticated", 16, "Request unauthorized: invalid API key")}
    ${grpcErrorLocation("no_client_certificate", 16, "a valid client certificate is required")}
  }
}
`;
}

/** True when something accepts TCP connections on 127.0.0.1:port. */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

/** Resolves once nginx accepts connections on the port; fails at once if it exits first. */
async function waitForPort(port: number, child: ChildProcess, timeoutMs: number, log: string): Promise<void> {
  const exited = () => new Error(`nginx exited (${child.exitCode}) before it listened:\n${readLog(log)}`);
  try {
    await vi.waitUntil(
      () => {
        if (child.exitCode !== null) throw exited();
        return accepts(port);
      },
      { timeout: timeoutMs, interval: 50 },
    );
  } catch (error) {
    if (child.exitCode !== null) throw exited();
    throw new Error(`nginx did not listen on ${port} within ${timeoutMs} ms:\n${readLog(log)}`, { cause: error });
  }
}

function readLog(file: string): string {
  try {
    return readFileSync(file, "utf8").slice(-4000);
  } catch {
    return "(no log)";
  }
}

const running = new Set<ChildProcess>();
process.once("exit", () => {
  for (const child of running) if (child.exitCode === null && child.pid) child.kill("SIGKILL");
});

/** Starts nginx on a free loopback port; resolves once it accepts connections. */
export async function startTlsProxy(options: ProxyOptions): Promise<TlsProxy> {
  const nginx = nginxBinary();
  if (!nginx) throw new Error("nginx is not installed (apt-get install -y nginx-light)");
  const dir = mkdtempSync(join(tmpdir(), "nxrun-nginx-"));
  // nginx's workers may run as another user (nobody, when started as root) and write temp files here.
  chmodSync(dir, 0o755);
  const port = await freePort();
  const file = join(dir, "nginx.conf");
  const log = join(dir, "error.log");
  writeFileSync(file, config(dir, port, options));
  // -e: nginx would otherwise try the system's /var/log/nginx/error.log before reading our config.
  const child = spawn(nginx, ["-p", dir, "-e", log, "-c", file], { stdio: ["ignore", "ignore", "pipe"] });
  running.add(child);
  child.once("exit", () => running.delete(child));
  try {
    await waitForPort(port, child, 10_000, log);
  } catch (error) {
    await stopProcess(child, 2_000);
    throw error;
  }
  return {
    address: `127.0.0.1:${port}`,
    pid: child.pid ?? -1,
    stop: async () => {
      await stopProcess(child, 5_000);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
