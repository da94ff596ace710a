// One HTTP(S) GET, optionally through a proxy (VS Code's http.proxy): plain http targets go to the
// proxy with the absolute URL, https targets through a CONNECT tunnel. Loopback addresses never go
// through the proxy (a local mirror or a test server).
import * as http from "node:http";
import * as https from "node:https";
import type * as net from "node:net";
import * as tls from "node:tls";

export interface GetRequest {
    readonly url: URL;
    readonly headers: Record<string, string>;
    readonly proxyUrl?: string;
}

const LOOPBACK_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]", "::1"]);

/** Sends the request; `onRequest` gets the ClientRequest as soon as it exists (to destroy it on abort or stall). */
export function httpGet(request: GetRequest, onRequest: (req: http.ClientRequest) => void): Promise<http.IncomingMessage> {
    return new Promise((resolve, reject) => {
        const proxy = request.proxyUrl && !LOOPBACK_HOSTS.has(request.url.hostname) ? new URL(request.proxyUrl) : undefined;
        const start = (options: http.RequestOptions, secure: boolean) => {
            const req = (secure ? https : http).request(options, resolve);
            req.on("error", reject);
            onRequest(req);
            req.end();
        };
        const target = request.url;
        const secure = target.protocol === "https:";
        const direct: http.RequestOptions = {
            method: "GET",
            host: target.hostname.replace(/^\[|\]$/g, ""),
            port: target.port || (secure ? 443 : 80),
            path: `${target.pathname}${target.search}`,
            headers: request.headers,
        };
        if (!proxy) return start(direct, secure);
        const proxyHeaders = proxyAuthorization(proxy);
        if (!secure) {
            return start({ ...direct, host: proxy.hostname, port: proxy.port || 80, path: target.href, headers: { ...request.headers, ...proxyHeaders } }, false);
        }
        const connect = http.request({ host: proxy.hostname, port: proxy.port || 80, method: "CONNECT", path: `${direct.host}:${direct.port}`, headers: proxyHeaders });
        onRequest(connect);
        connect.on("error", reject);
        connect.on("connect", (response: http.IncomingMessage, socket: net.Socket) => {
            if (response.statusCode !== 200) {
                socket.destroy();
                reject(Object.assign(new Error(`The proxy ${proxy.host} refused the connection (HTTP ${response.statusCode}).`), { proxyStatus: response.statusCode }));
                return;
            }
            start({ ...direct, createConnection: () => tls.connect({ socket, servername: direct.host as string }) }, true);
        });
        connect.end();
    });
}

function proxyAuthorization(proxy: URL): Record<string, string> {
    if (!proxy.username) return {};
    const credentials = `${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`;
    return { "Proxy-Authorization": `Basic ${Buffer.from(credentials).toString("base64")}` };
}
