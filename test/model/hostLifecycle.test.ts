// The host process's life: crash restart with backoff and model reload, exit with the parent,
// and a protocol that answers bad input with error codes instead of crashing.
import assert from "node:assert/strict";
import { fork, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ModelHostClient, type HostState } from "../../src/hostClient/ModelHostClient";
import type { HostMessage } from "../../src/protocol/modelHostProtocol";
import { ensureRandomModel } from "../support/tinyModels";
import { createClient, HOST_SCRIPT, loadParams, requireBuiltHost, waitForState } from "./hostHarness";

describe("model host lifecycle", function () {
    this.timeout(120_000);

    describe("crash restart", () => {
        let client: ModelHostClient;
        after(() => client?.dispose());

        it("restarts a killed host with backoff, reloads the model and serves the next request", async () => {
            const modelPath = await ensureRandomModel();
            ({ client } = createClient({ restartDelayMs: 100 }));
            const states: HostState[] = [];
            client.onDidChangeState((state) => states.push(state));
            await client.load(loadParams(modelPath));
            const firstPid = client.pid;
            assert.ok(firstPid);

            const pending = client.generate({ sequenceKey: "a", prompt: "def main():\n", maxTokens: 100_000 });
            await new Promise((resolve) => setTimeout(resolve, 50));
            process.kill(firstPid, "SIGKILL");
            await assert.rejects(pending, { code: "HOST_EXITED" });
            await assert.rejects(client.generate({ sequenceKey: "a", prompt: "x", maxTokens: 1 }), { code: "HOST_UNAVAILABLE" });

            await waitForState(client, (state) => state.kind === "ready");
            assert.notEqual(client.pid, firstPid);
            assert.deepEqual(states.find((state) => state.kind === "restarting"), { kind: "restarting", attempt: 1, delayMs: 100 });
            const result = await client.generate({ sequenceKey: "a", prompt: "def main():\n", maxTokens: 3 });
            assert.equal(result.counters.generatedTokens, 3);

            // A second crash soon after doubles the delay.
            process.kill(client.pid as number, "SIGKILL");
            const restarting = await waitForState(client, (state) => state.kind === "restarting");
            assert.deepEqual(restarting, { kind: "restarting", attempt: 2, delayMs: 200 });
            await waitForState(client, (state) => state.kind === "ready");
            assert.equal((await client.generate({ sequenceKey: "a", prompt: "x = 1\n", maxTokens: 2 })).counters.generatedTokens, 2);
        });

        it("starts the backoff over after the host stayed up for the healthy period", async () => {
            const modelPath = await ensureRandomModel();
            const healthy = new ModelHostClient({ hostScriptPath: HOST_SCRIPT, restart: { initialDelayMs: 100, healthyAfterMs: 300 } });
            try {
                await healthy.load(loadParams(modelPath, { sequences: 1 }));
                for (let crash = 0; crash < 2; crash++) {
                    await new Promise((resolve) => setTimeout(resolve, 400));
                    process.kill(healthy.pid as number, "SIGKILL");
                    assert.deepEqual(await waitForState(healthy, (state) => state.kind === "restarting"), { kind: "restarting", attempt: 1, delayMs: 100 });
                    await waitForState(healthy, (state) => state.kind === "ready");
                }
            } finally {
                healthy.dispose();
            }
        });

        it("stops the host process on dispose without restarting it", async () => {
            const pid = client.pid as number;
            client.dispose();
            await new Promise((resolve) => setTimeout(resolve, 300));
            assert.throws(() => process.kill(pid, 0), /ESRCH/);
            assert.equal(client.state.kind, "stopped");
        });
    });

    describe("a host that cannot start", () => {
        let folder: string;
        before(async () => {
            folder = await mkdtemp(join(tmpdir(), "phi2-broken-host-"));
        });
        after(async () => {
            await rm(folder, { recursive: true, force: true });
        });

        it("reports an error state instead of restarting in a loop", async () => {
            const brokenHost = join(folder, "brokenHost.mjs");
            await writeFile(brokenHost, "console.error('missing native library'); process.exit(3);\n");
            const logs: string[] = [];
            const client = new ModelHostClient({ hostScriptPath: brokenHost, log: (_level, message) => logs.push(message), restart: { initialDelayMs: 10 } });
            const states: HostState[] = [];
            client.onDidChangeState((state) => states.push(state));
            try {
                await assert.rejects(client.start(), { code: "HOST_BROKEN_INSTALL" });
                await new Promise((resolve) => setTimeout(resolve, 200));
                assert.equal(client.state.kind, "error");
                assert.equal(states.some((state) => state.kind === "restarting"), false);
                assert.ok(logs.some((line) => line.includes("missing native library")), logs.join("\n"));
            } finally {
                client.dispose();
            }
        });
    });

    describe("raw protocol", () => {
        let child: ChildProcess;
        const received: HostMessage[] = [];

        function response(id: number): Promise<HostMessage> {
            return new Promise((resolve) => {
                const check = (): void => {
                    const found = received.find((message) => message.kind === "response" && message.id === id);
                    if (found) resolve(found);
                    else setTimeout(check, 5);
                };
                check();
            });
        }

        before(async () => {
            requireBuiltHost();
            child = fork(HOST_SCRIPT, [], { execArgv: [], stdio: ["ignore", "ignore", "ignore", "ipc"] });
            child.on("message", (message: HostMessage) => received.push(message));
            const [ready] = (await once(child, "message")) as [HostMessage];
            assert.equal(ready.kind, "ready");
        });

        after(() => {
            if (child.exitCode === null) child.kill();
        });

        it("answers malformed requests with error codes and keeps running", async () => {
            child.send(42);
            child.send({ kind: "nonsense" });
            child.send({ kind: "request", method: "stats" });
            child.send({ kind: "cancel", id: 999 });
            child.send({ kind: "request", id: 1, method: "explode", params: {} });
            child.send({ kind: "request", id: 2, method: "generate", params: "not an object" });
            child.send({ kind: "request", id: 3, method: "generate", params: { sequenceKey: "a", prompt: "x", maxTokens: 1 } });
            child.send({ kind: "request", id: 4, method: "load", params: { modelPath: 7 } });
            child.send({ kind: "request", id: 5, method: "stats", params: {} });
            const codes = await Promise.all([1, 2, 3, 4].map(async (id) => {
                const message = await response(id);
                return message.kind === "response" && !message.ok ? message.error.code : "ok";
            }));
            assert.deepEqual(codes, ["BAD_REQUEST", "BAD_REQUEST", "NOT_LOADED", "BAD_REQUEST"]);
            const stats = await response(5);
            assert.ok(stats.kind === "response" && stats.ok);
            assert.ok(received.some((message) => message.kind === "log" && message.level === "warn"));
        });

        it("exits when the parent disconnects", async () => {
            const exited = once(child, "exit");
            child.disconnect();
            const [, signal] = (await exited) as [number | null, NodeJS.Signals | null];
            // It ends itself with SIGKILL: a normal exit could wait forever for a busy native thread.
            assert.equal(signal, "SIGKILL");
        });
    });
});
