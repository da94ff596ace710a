// A local HTTP server on 127.0.0.1 that serves model files the way Hugging Face does (Range
// requests, redirects), and misbehaves on request: drops the connection mid-file, stalls, answers
// an error status. For the downloader's tests and the UI test's download.
import * as http from "node:http";
import type { AddressInfo, Socket } from "node:net";

export interface ServedFile {
    readonly body: Buffer;
    /** Close the connection after this many body bytes, for the first `times` requests. */
    readonly dropAfterBytes?: { readonly bytes: number; readonly times: number };
    /** Send this many bytes, then nothing more (the connection stays open). */
    readonly stallAfterBytes?: number;
    /** Ignore Range headers (always 200 with the whole file). */
    readonly ignoreRange?: boolean;
    /** Delay between 64 KiB chunks, so progress and cancellation have time to happen. */
    readonly chunkDelayMs?: number;
}

export interface ServedRequest {
    readonly path: string;
    readonly range: string | undefined;
    /** The request line named a full URL (it came through this server as a proxy). */
    readonly proxied: boolean;
}

const CHUNK_BYTES = 64 * 1024;

export class ModelFileServer {
    readonly requests: ServedRequest[] = [];
    private readonly files = new Map<string, ServedFile>();
    private readonly statuses = new Map<string, number>();
    private readonly redirects = new Map<string, string>();
    private readonly drops = new Map<string, number>();
    private readonly server = http.createServer((request, response) => this.handle(request, response));
    private readonly sockets = new Set<Socket>();

    constructor() {
        this.server.on("connection", (socket) => {
            this.sockets.add(socket);
            socket.on("close", () => this.sockets.delete(socket));
        });
    }

    async start(): Promise<string> {
        await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
        return this.baseUrl;
    }

    get baseUrl(): string {
        return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    }

    serve(urlPath: string, file: ServedFile): void {
        this.files.set(urlPath, file);
        this.drops.set(urlPath, 0);
    }

    answer(urlPath: string, status: number): void {
        this.statuses.set(urlPath, status);
    }

    redirect(fromPath: string, toPath: string): void {
        this.redirects.set(fromPath, toPath);
    }

    async stop(): Promise<void> {
        for (const socket of this.sockets) socket.destroy();
        await new Promise<void>((resolve) => this.server.close(() => resolve()));
    }

    private handle(request: http.IncomingMessage, response: http.ServerResponse): void {
        const proxied = /^https?:\/\//.test(request.url ?? "");
        const urlPath = new URL(request.url ?? "/", "http://127.0.0.1").pathname;
        this.requests.push({ path: urlPath, range: request.headers.range, proxied });
        const redirect = this.redirects.get(urlPath);
        if (redirect) {
            response.writeHead(302, { Location: redirect }).end();
            return;
        }
        const status = this.statuses.get(urlPath);
        const file = this.files.get(urlPath);
        if (status !== undefined || !file) {
            response.writeHead(status ?? 404).end();
            return;
        }
        const range = file.ignoreRange ? undefined : /^bytes=(\d+)-$/.exec(request.headers.range ?? "");
        const start = range ? Number(range[1]) : 0;
        if (start >= file.body.length && range) {
            response.writeHead(416, { "Content-Range": `bytes */${file.body.length}` }).end();
            return;
        }
        const headers: http.OutgoingHttpHeaders = { "Content-Length": file.body.length - start, "Accept-Ranges": "bytes" };
        if (range) headers["Content-Range"] = `bytes ${start}-${file.body.length - 1}/${file.body.length}`;
        response.writeHead(range ? 206 : 200, headers);
        const dropsSoFar = this.drops.get(urlPath) ?? 0;
        const drop = file.dropAfterBytes && dropsSoFar < file.dropAfterBytes.times ? file.dropAfterBytes.bytes : undefined;
        if (drop !== undefined) this.drops.set(urlPath, dropsSoFar + 1);
        void this.send(response, file, start, drop);
    }

    private async send(response: http.ServerResponse, file: ServedFile, start: number, dropAfterBytes: number | undefined): Promise<void> {
        let sent = 0;
        for (let at = start; at < file.body.length; at += CHUNK_BYTES) {
            if (response.destroyed) return;
            let chunk = file.body.subarray(at, Math.min(at + CHUNK_BYTES, file.body.length));
            const limit = dropAfterBytes ?? file.stallAfterBytes;
            if (limit !== undefined && sent + chunk.length > limit) chunk = chunk.subarray(0, Math.max(0, limit - sent));
            sent += chunk.length;
            if (limit !== undefined && sent >= limit) {
                // Stall: keep the socket open and silent. Drop: cut it once the bytes are sent.
                response.write(chunk, () => {
                    if (dropAfterBytes !== undefined) setTimeout(() => response.socket?.destroy(), 20);
                });
                return;
            }
            if (chunk.length > 0) response.write(chunk);
            if (file.chunkDelayMs) await new Promise((resolve) => setTimeout(resolve, file.chunkDelayMs));
        }
        response.end();
    }
}
