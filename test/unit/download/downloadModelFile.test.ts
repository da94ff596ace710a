// The downloader against a real HTTP server on 127.0.0.1: success with progress, a dropped
// connection resumed, cancel, 404/403, wrong hash, stall, redirect, a restart resumed from the
// .part file, a server that ignores Range, a full disk, a proxy, offline.
import * as assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { DownloadError, type DownloadErrorCode } from "../../../src/download/DownloadError";
import { downloadModelFile, partialPathOf, type DownloadOptions, type DownloadProgress } from "../../../src/download/downloadModelFile";
import { ModelFileServer } from "../../support/ModelFileServer";

const BODY = randomBytes(1024 * 1024 + 123);
const SHA256 = createHash("sha256").update(BODY).digest("hex");
const FILE = "/phi-2.Q4_K_M.gguf";

describe("downloadModelFile", () => {
    let server: ModelFileServer;
    let folder: string;
    let destination: string;

    beforeEach(async () => {
        server = new ModelFileServer();
        await server.start();
        folder = fs.mkdtempSync(path.join(os.tmpdir(), "phi2-download-"));
        destination = path.join(folder, "models", "phi-2.Q4_K_M.gguf");
    });

    afterEach(async () => {
        await server.stop();
        fs.rmSync(folder, { recursive: true, force: true });
    });

    const options = (overrides: Partial<DownloadOptions> = {}): DownloadOptions => ({
        url: `${server.baseUrl}${FILE}`,
        destinationPath: destination,
        sha256: SHA256,
        retryDelayMs: 10,
        ...overrides,
    });

    async function expectFailure(promise: Promise<unknown>, code: DownloadErrorCode): Promise<DownloadError> {
        const error = await promise.then(
            () => assert.fail(`expected ${code}`),
            (caught: unknown) => caught,
        );
        assert.ok(error instanceof DownloadError, `not a DownloadError: ${String(error)}`);
        assert.equal(error.code, code, error.message);
        return error;
    }

    it("downloads the file, reports progress up to the total, verifies, and leaves no .part", async () => {
        server.serve(FILE, { body: BODY, chunkDelayMs: 30 });
        const events: DownloadProgress[] = [];
        const result = await downloadModelFile(options({ onProgress: (progress) => events.push(progress) }));
        assert.deepEqual(fs.readFileSync(destination), BODY);
        assert.equal(fs.existsSync(partialPathOf(destination)), false);
        assert.equal(result.bytes, BODY.length);
        assert.equal(result.attempts, 1);
        const downloading = events.filter((event) => event.phase === "downloading");
        assert.ok(downloading.length >= 3, `few progress events: ${downloading.length}`);
        assert.equal(downloading.at(-1)?.receivedBytes, BODY.length);
        assert.ok(downloading.every((event) => event.totalBytes === BODY.length));
        assert.ok(downloading.some((event) => event.bytesPerSecond > 0 && event.secondsLeft !== undefined), "no speed or time left");
        for (let i = 1; i < downloading.length; i++) assert.ok(downloading[i].receivedBytes >= downloading[i - 1].receivedBytes);
    });

    it("resumes with a Range request after the server drops the connection mid-file", async () => {
        server.serve(FILE, { body: BODY, dropAfterBytes: { bytes: 300_000, times: 2 } });
        const result = await downloadModelFile(options());
        assert.deepEqual(fs.readFileSync(destination), BODY);
        assert.equal(result.attempts, 3);
        // Each resume asks for the bytes after what arrived (the cut may lose the last bytes in flight).
        const starts = server.requests.map((request) => Number(/^bytes=(\d+)-$/.exec(request.range ?? "")?.[1] ?? 0));
        assert.equal(starts[0], 0);
        assert.equal(server.requests[0].range, undefined);
        assert.ok(starts[1] > 0 && starts[1] <= 300_000 && starts[2] > starts[1] && starts[2] <= 600_000, `resumed at ${starts.join(", ")}`);
    });

    it("gives up with NETWORK after the attempts and keeps the partial file for later", async () => {
        server.serve(FILE, { body: BODY, dropAfterBytes: { bytes: 100_000, times: 10 } });
        await expectFailure(downloadModelFile(options({ maxAttempts: 2 })), "NETWORK");
        const kept = fs.statSync(partialPathOf(destination)).size;
        assert.ok(kept > 0 && kept <= 200_000, `kept ${kept}`);
        assert.equal(fs.existsSync(destination), false);
    });

    it("resumes from a .part file left by an earlier run (an editor restart)", async () => {
        fs.mkdirSync(path.dirname(destination), { recursive: true });
        fs.writeFileSync(partialPathOf(destination), BODY.subarray(0, 400_000));
        server.serve(FILE, { body: BODY });
        const result = await downloadModelFile(options());
        assert.equal(result.resumedFromBytes, 400_000);
        assert.equal(server.requests[0].range, "bytes=400000-");
        assert.deepEqual(fs.readFileSync(destination), BODY);
    });

    it("starts over when the server ignores Range", async () => {
        fs.mkdirSync(path.dirname(destination), { recursive: true });
        fs.writeFileSync(partialPathOf(destination), BODY.subarray(0, 400_000));
        server.serve(FILE, { body: BODY, ignoreRange: true });
        await downloadModelFile(options());
        assert.deepEqual(fs.readFileSync(destination), BODY);
    });

    it("treats a complete .part file (416 for the range past the end) as downloaded and verifies it", async () => {
        fs.mkdirSync(path.dirname(destination), { recursive: true });
        fs.writeFileSync(partialPathOf(destination), BODY);
        server.serve(FILE, { body: BODY });
        await downloadModelFile(options());
        assert.deepEqual(fs.readFileSync(destination), BODY);
    });

    it("cancels on the signal, keeps the partial file, and a later call resumes it", async () => {
        server.serve(FILE, { body: BODY, chunkDelayMs: 40 });
        const controller = new AbortController();
        const onProgress = (progress: DownloadProgress) => {
            if (progress.receivedBytes >= 200_000) controller.abort();
        };
        await expectFailure(downloadModelFile(options({ signal: controller.signal, onProgress })), "CANCELLED");
        const kept = fs.statSync(partialPathOf(destination)).size;
        assert.ok(kept > 0 && kept < BODY.length, `kept ${kept}`);
        const result = await downloadModelFile(options());
        assert.equal(result.resumedFromBytes, kept);
        assert.deepEqual(fs.readFileSync(destination), BODY);
    });

    it("reports 404 as NOT_FOUND naming the URL", async () => {
        const error = await expectFailure(downloadModelFile(options()), "NOT_FOUND");
        assert.match(error.message, /phi-2\.Q4_K_M\.gguf/);
        assert.match(error.message, /phi2\.download\.baseUrl/);
    });

    for (const status of [401, 403]) {
        it(`reports ${status} as FORBIDDEN`, async () => {
            server.answer(FILE, status);
            await expectFailure(downloadModelFile(options()), "FORBIDDEN");
        });
    }

    it("reports another status as HTTP_ERROR", async () => {
        server.answer(FILE, 503);
        const error = await expectFailure(downloadModelFile(options()), "HTTP_ERROR");
        assert.match(error.message, /503/);
    });

    it("deletes the file when its SHA-256 is not the pinned one, and never renames it into place", async () => {
        server.serve(FILE, { body: BODY });
        await expectFailure(downloadModelFile(options({ sha256: "0".repeat(64) })), "HASH_MISMATCH");
        assert.equal(fs.existsSync(partialPathOf(destination)), false);
        assert.equal(fs.existsSync(destination), false);
    });

    it("stops with STALLED when the server goes silent, keeping what arrived", async () => {
        server.serve(FILE, { body: BODY, stallAfterBytes: 100_000 });
        const started = Date.now();
        await expectFailure(downloadModelFile(options({ stallTimeoutMs: 300 })), "STALLED");
        assert.ok(Date.now() - started < 5_000);
        assert.equal(fs.statSync(partialPathOf(destination)).size, 100_000);
    });

    it("follows redirects (Hugging Face sends the file from a CDN)", async () => {
        server.redirect(FILE, "/cdn/first");
        server.redirect("/cdn/first", "/cdn/blob");
        server.serve("/cdn/blob", { body: BODY });
        await downloadModelFile(options());
        assert.deepEqual(fs.readFileSync(destination), BODY);
        assert.deepEqual(server.requests.map((request) => request.path), [FILE, "/cdn/first", "/cdn/blob"]);
    });

    it("checks the free disk space before downloading anything", async () => {
        server.serve(FILE, { body: BODY });
        const error = await expectFailure(downloadModelFile(options({ freeBytes: async () => 10_000 })), "DISK_FULL");
        assert.match(error.message, /disk space/);
        assert.equal(fs.existsSync(partialPathOf(destination)), false);
    });

    it("reports a server nobody listens on as OFFLINE", async () => {
        const unreachable = options();
        await server.stop();
        await expectFailure(downloadModelFile(unreachable), "OFFLINE");
        server = new ModelFileServer();
        await server.start();
    });

    it("skips the download when the file is already there with the right hash", async () => {
        fs.mkdirSync(path.dirname(destination), { recursive: true });
        fs.writeFileSync(destination, BODY);
        const result = await downloadModelFile(options());
        assert.equal(result.alreadyPresent, true);
        assert.equal(server.requests.length, 0);
    });

    it("goes through an HTTP proxy for a non-loopback host", async () => {
        // The test server plays the proxy: a request line with a full URL arrives at it.
        server.serve("/TheBloke/phi-2.gguf", { body: BODY });
        await downloadModelFile(options({ url: "http://models.example.invalid/TheBloke/phi-2.gguf", proxyUrl: server.baseUrl }));
        assert.deepEqual(fs.readFileSync(destination), BODY);
        assert.equal(server.requests[0].proxied, true);
    });

    it("does not send loopback downloads through the proxy", async () => {
        server.serve(FILE, { body: BODY });
        await downloadModelFile(options({ proxyUrl: "http://127.0.0.1:9" }));
        assert.equal(server.requests[0].proxied, false);
    });
});
