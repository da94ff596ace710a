// Downloads one model file safely: into `<destination>.part`, resumed with an HTTP Range request
// after a dropped connection or a restart of the editor, redirects followed (Hugging Face sends
// files from a CDN), free disk space checked before the first byte, and renamed into place only
// after the whole file's SHA-256 matches the pinned one. Plain Node (no VS Code): the editor shows
// the progress and turns DownloadError codes into messages.
import { createHash } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import * as fs from "node:fs/promises";
import type * as http from "node:http";
import * as path from "node:path";
import { once } from "node:events";
import { Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { DownloadError, isOfflineErrno } from "./DownloadError";
import { httpGet } from "./httpGet";
import { TransferRate } from "./transferRate";
import { errorText } from "../core/errorText";

export interface DownloadProgress {
    readonly phase: "downloading" | "verifying";
    /** Bytes on disk (downloading) or hashed so far (verifying). */
    readonly receivedBytes: number;
    /** Whole file size once the server said it. */
    readonly totalBytes: number | undefined;
    readonly bytesPerSecond: number;
    readonly secondsLeft: number | undefined;
    /** Bytes that were already in the `.part` file when this download started (a resume). */
    readonly resumedFromBytes: number;
}

export interface DownloadOptions {
    readonly url: string;
    readonly destinationPath: string;
    /** Lower-case hex SHA-256 the finished file must have. */
    readonly sha256: string;
    /** Bytes expected (for the disk space check before the server answers); the server's size wins. */
    readonly expectedBytes?: number;
    readonly signal?: AbortSignal;
    readonly onProgress?: (progress: DownloadProgress) => void;
    /** e.g. VS Code's `http.proxy`: `http://[user:password@]host:port`. */
    readonly proxyUrl?: string;
    readonly stallTimeoutMs?: number;
    /** Connections tried when the transfer breaks (each resumes where the last stopped). */
    readonly maxAttempts?: number;
    readonly retryDelayMs?: number;
    /** Free bytes on the destination's file system (replaceable in tests). */
    readonly freeBytes?: (folder: string) => Promise<number>;
}

export interface DownloadResult {
    readonly path: string;
    readonly bytes: number;
    readonly resumedFromBytes: number;
    /** Connections used (1 when nothing broke). */
    readonly attempts: number;
    /** The file was already there with the right hash: nothing was downloaded. */
    readonly alreadyPresent: boolean;
}

/** "Too slow" in the words: no byte for this long means the connection is stuck. */
export const DEFAULT_STALL_TIMEOUT_MS = 30_000;
const DEFAULT_MAX_ATTEMPTS = 5;
const DEFAULT_RETRY_DELAY_MS = 1_000;
const MAX_REDIRECTS = 10;
/** Room left on the disk after the download, so the editor and the OS are not starved. */
const DISK_SPACE_MARGIN_BYTES = 64 * 1024 * 1024;
/** Progress events at most this often (the notification cannot show more). */
const PROGRESS_INTERVAL_MS = 250;

export function partialPathOf(destinationPath: string): string {
    return `${destinationPath}.part`;
}

export async function downloadModelFile(options: DownloadOptions): Promise<DownloadResult> {
    const destination = options.destinationPath;
    await fs.mkdir(path.dirname(destination), { recursive: true });
    const existing = await fileSize(destination);
    if (existing > 0 && (await sha256Of(destination, options, existing)) === options.sha256) {
        return { path: destination, bytes: existing, resumedFromBytes: 0, attempts: 0, alreadyPresent: true };
    }
    const partial = partialPathOf(destination);
    const resumedFromBytes = await fileSize(partial);
    const maxAttempts = options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
    let attempts = 0;
    let totalBytes: number | undefined;
    for (;;) {
        attempts++;
        throwIfCancelled(options.signal);
        try {
            totalBytes = await transferOnce(options, partial, resumedFromBytes, attempts === 1);
            break;
        } catch (error) {
            const retriable = error instanceof DownloadError && error.code === "NETWORK" && attempts < maxAttempts;
            if (!retriable) throw error;
            await delay((options.retryDelayMs ?? DEFAULT_RETRY_DELAY_MS) * attempts, options.signal);
        }
    }
    const bytes = await fileSize(partial);
    if (totalBytes !== undefined && bytes !== totalBytes) {
        throw new DownloadError("NETWORK", `The download ended at ${bytes} of ${totalBytes} bytes. Try again to resume.`);
    }
    const actual = await sha256Of(partial, options, bytes, resumedFromBytes);
    if (actual !== options.sha256) {
        await fs.rm(partial, { force: true });
        throw new DownloadError(
            "HASH_MISMATCH",
            `The downloaded file is not the expected one (SHA-256 ${actual.slice(0, 12)}…, expected ${options.sha256.slice(0, 12)}…). It was deleted.`,
        );
    }
    await fs.rename(partial, destination);
    return { path: destination, bytes, resumedFromBytes, attempts, alreadyPresent: false };
}

/** One connection: appends to the partial file from where it ends. Returns the whole file's size. */
async function transferOnce(options: DownloadOptions, partial: string, resumedFromBytes: number, firstAttempt: boolean): Promise<number | undefined> {
    const offset = await fileSize(partial);
    const stallTimeoutMs = options.stallTimeoutMs ?? DEFAULT_STALL_TIMEOUT_MS;
    let current: http.ClientRequest | undefined;
    let stallTimer: NodeJS.Timeout | undefined;
    let stopReason: DownloadError | undefined;
    const stop = (reason: DownloadError) => {
        stopReason ??= reason;
        current?.destroy(reason);
    };
    const armStallTimer = () => {
        clearTimeout(stallTimer);
        stallTimer = setTimeout(
            () => stop(new DownloadError("STALLED", `The server sent nothing for ${Math.round(stallTimeoutMs / 1000)} s. The partial file is kept: try again to resume.`)),
            stallTimeoutMs,
        );
    };
    const onAbort = () => stop(cancelled());
    options.signal?.addEventListener("abort", onAbort);
    try {
        armStallTimer();
        const opened = await openRange(options, offset, (req) => (current = req));
        if (opened.kind === "complete") return offset;
        const { response, start, totalBytes } = opened;
        if (firstAttempt) await checkFreeSpace(options, partial, totalBytes !== undefined ? totalBytes - start : options.expectedBytes);
        const rate = new TransferRate();
        let received = start;
        let lastReport = 0;
        const report = (force: boolean) => {
            const now = Date.now();
            rate.record(now, received);
            if (!force && now - lastReport < PROGRESS_INTERVAL_MS) return;
            lastReport = now;
            const total = totalBytes ?? options.expectedBytes;
            options.onProgress?.({
                phase: "downloading",
                receivedBytes: received,
                totalBytes,
                bytesPerSecond: rate.bytesPerSecond,
                secondsLeft: total !== undefined ? rate.secondsLeft(received, total) : undefined,
                resumedFromBytes,
            });
        };
        report(true);
        const counter = new Transform({
            transform(chunk: Buffer, _encoding, callback) {
                received += chunk.length;
                armStallTimer();
                report(false);
                callback(null, chunk);
            },
        });
        const file = createWriteStream(partial, { flags: start > 0 ? "a" : "w" });
        try {
            await pipeline(response, counter, file);
        } finally {
            // A broken pipeline rejects while the last write may still be in flight: the next
            // attempt (or a later resume) must see the file's final size.
            if (!file.closed) await once(file, "close");
        }
        report(true);
        if (totalBytes !== undefined && received < totalBytes) {
            throw new DownloadError("NETWORK", `The connection closed at ${received} of ${totalBytes} bytes.`);
        }
        return totalBytes;
    } catch (error) {
        throw stopReason ?? classifyTransferError(error);
    } finally {
        clearTimeout(stallTimer);
        options.signal?.removeEventListener("abort", onAbort);
    }
}

type OpenedRange =
    | { readonly kind: "body"; readonly response: http.IncomingMessage; readonly start: number; readonly totalBytes: number | undefined }
    /** The server says the range starts at the end: the partial file already holds everything. */
    | { readonly kind: "complete" };

/** GETs the file from `offset` on, following redirects; turns HTTP statuses into DownloadErrors. */
async function openRange(options: DownloadOptions, offset: number, onRequest: (req: http.ClientRequest) => void): Promise<OpenedRange> {
    let url = new URL(options.url);
    for (let redirects = 0; ; redirects++) {
        const headers: Record<string, string> = { "User-Agent": "phi2-complete", "Accept-Encoding": "identity" };
        if (offset > 0) headers.Range = `bytes=${offset}-`;
        const response = await httpGet({ url, headers, proxyUrl: options.proxyUrl }, onRequest);
        const status = response.statusCode ?? 0;
        const location = response.headers.location;
        if (status >= 300 && status < 400 && location) {
            response.resume();
            if (redirects >= MAX_REDIRECTS) throw new DownloadError("HTTP_ERROR", `Too many redirects from ${options.url}.`);
            url = new URL(location, url);
            continue;
        }
        if (status === 200) {
            // A server that ignores Range sends the whole file: start over.
            return { kind: "body", response, start: 0, totalBytes: contentLength(response) };
        }
        if (status === 206) {
            const range = /^bytes (\d+)-\d+\/(\d+|\*)$/.exec(response.headers["content-range"] ?? "");
            if (!range || Number(range[1]) !== offset) {
                response.resume();
                throw new DownloadError("HTTP_ERROR", `The server answered the resume request with an unexpected range (${response.headers["content-range"] ?? "none"}).`);
            }
            return { kind: "body", response, start: offset, totalBytes: range[2] === "*" ? undefined : Number(range[2]) };
        }
        response.resume();
        if (status === 416 && offset > 0) return { kind: "complete" };
        throw httpStatusError(status, url);
    }
}

function httpStatusError(status: number, url: URL): DownloadError {
    if (status === 404) return new DownloadError("NOT_FOUND", `The model file is not at ${url.href} (HTTP 404). Check phi2.download.baseUrl.`);
    if (status === 401 || status === 403) {
        return new DownloadError("FORBIDDEN", `${url.host} refused the download (HTTP ${status}): it needs a login or blocks this network. Check phi2.download.baseUrl and the proxy.`);
    }
    return new DownloadError("HTTP_ERROR", `${url.host} answered HTTP ${status}.`);
}

function contentLength(response: http.IncomingMessage): number | undefined {
    const value = Number(response.headers["content-length"]);
    return Number.isFinite(value) && value > 0 ? value : undefined;
}

async function checkFreeSpace(options: DownloadOptions, partial: string, neededBytes: number | undefined): Promise<void> {
    if (neededBytes === undefined) return;
    const folder = path.dirname(partial);
    const free = await (options.freeBytes ?? freeBytesOf)(folder);
    if (free < neededBytes + DISK_SPACE_MARGIN_BYTES) {
        const mb = (bytes: number) => `${Math.ceil(bytes / (1024 * 1024)).toLocaleString("en-US")} MB`;
        throw new DownloadError("DISK_FULL", `Not enough disk space in ${folder}: the model needs ${mb(neededBytes)}, ${mb(free)} are free.`);
    }
}

async function freeBytesOf(folder: string): Promise<number> {
    const stats = await fs.statfs(folder);
    return stats.bavail * stats.bsize;
}

function classifyTransferError(error: unknown): DownloadError {
    if (error instanceof DownloadError) return error;
    const code = (error as NodeJS.ErrnoException | undefined)?.code;
    if (code === "ENOSPC") return new DownloadError("DISK_FULL", "The disk filled up during the download. Free some space and try again; the partial file is kept.");
    if (isOfflineErrno(error)) return new DownloadError("OFFLINE", `Cannot reach the download server (${code}). Check the network connection or the proxy (http.proxy).`);
    const proxyStatus = (error as { proxyStatus?: number } | undefined)?.proxyStatus;
    if (proxyStatus === 407) return new DownloadError("FORBIDDEN", (error as Error).message);
    if (proxyStatus !== undefined) return new DownloadError("HTTP_ERROR", (error as Error).message);
    return new DownloadError("NETWORK", `The connection broke: ${errorText(error)}`);
}

async function sha256Of(file: string, options: DownloadOptions, totalBytes: number, resumedFromBytes = 0): Promise<string> {
    const hash = createHash("sha256");
    let hashed = 0;
    let lastReport = 0;
    const stream = createReadStream(file);
    const onAbort = () => stream.destroy(cancelled());
    options.signal?.addEventListener("abort", onAbort);
    try {
        for await (const chunk of stream as AsyncIterable<Buffer>) {
            hash.update(chunk);
            hashed += chunk.length;
            const now = Date.now();
            if (now - lastReport >= PROGRESS_INTERVAL_MS) {
                lastReport = now;
                options.onProgress?.({ phase: "verifying", receivedBytes: hashed, totalBytes, bytesPerSecond: 0, secondsLeft: undefined, resumedFromBytes });
            }
        }
    } finally {
        options.signal?.removeEventListener("abort", onAbort);
    }
    return hash.digest("hex");
}

async function fileSize(file: string): Promise<number> {
    try {
        return (await fs.stat(file)).size;
    } catch {
        return 0;
    }
}

function cancelled(): DownloadError {
    return new DownloadError("CANCELLED", "The download was cancelled. The partial file is kept: download again to resume.");
}

function throwIfCancelled(signal: AbortSignal | undefined): void {
    if (signal?.aborted) throw cancelled();
}

function delay(ms: number, signal: AbortSignal | undefined): Promise<void> {
    return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
            signal?.removeEventListener("abort", onAbort);
            resolve();
        }, ms);
        const onAbort = () => {
            clearTimeout(timer);
            reject(cancelled());
        };
        signal?.addEventListener("abort", onAbort, { once: true });
    });
}
