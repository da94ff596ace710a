// Crash and hang recovery through the real model host: a stopped (SIGSTOP) host is detected by its
// missing heartbeat and replaced; a host that keeps crashing is given up on (5 crashes in 3 minutes);
// a native crash while loading names the file; and SIGKILL during load, prefill, generation and
// explanation, many times in a row, always ends with a working host.
// PHI2_KILL_LOOP_ITERATIONS sets the kill loop's length (CI default 12; 100 for the full run).
import assert from "node:assert/strict";
import { once } from "node:events";
import { copyFile, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { ModelHostClient, type HostState } from "../../src/hostClient/ModelHostClient";
import { PROTOCOL_VERSION } from "../../src/protocol/modelHostProtocol";
import { ensureRandomModel, ensureScriptedModel, SCRIPTS } from "../support/tinyModels";
import { CLI, runCli } from "./cliRunner";
import { HOST_SCRIPT, loadParams, pythonSource, requireBuiltHost, waitForState } from "./hostHarness";
import { startCliUntilLoaded, waitUntilGone } from "./processes";

const KILL_LOOP_ITERATIONS = Number(process.env.PHI2_KILL_LOOP_ITERATIONS ?? 12);

/** SIGKILL that tolerates a process already gone. */
function killHost(pid: number): void {
    try {
        process.kill(pid, "SIGKILL");
    } catch {
        // Already gone.
    }
}

function sleep(ms: number): Promise<void> {
    return new Promise((wake) => setTimeout(wake, ms));
}

describe("model host recovery", function () {
    this.timeout(300_000);
    let modelPath: string;
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => {
        unhandled.push(reason);
    };

    before(async () => {
        requireBuiltHost();
        modelPath = await ensureRandomModel();
        process.on("unhandledRejection", onUnhandled);
    });

    after(() => {
        process.off("unhandledRejection", onUnhandled);
        assert.deepEqual(unhandled, [], "no unhandled rejection during recovery");
    });

    it("replaces a host that stops answering (SIGSTOP) and serves the next request", async () => {
        const client = new ModelHostClient({ hostScriptPath: HOST_SCRIPT, hangTimeoutMs: 1500, restart: { initialDelayMs: 50 } });
        try {
            await client.load(loadParams(modelPath, { sequences: 1 }));
            const stoppedPid = client.pid as number;
            const pending = client.generate({ sequenceKey: "a", prompt: "def main():\n", maxTokens: 1_000_000 });
            await sleep(50);
            process.kill(stoppedPid, "SIGSTOP");
            await assert.rejects(pending, (error: Error & { code?: string }) => error.code === "HOST_EXITED" && /stopped answering/.test(error.message));
            await waitUntilGone(stoppedPid, 5000);
            await waitForState(client, (state) => state.kind === "ready");
            assert.notEqual(client.pid, stoppedPid);
            assert.equal((await client.generate({ sequenceKey: "a", prompt: "x = 1\n", maxTokens: 2 })).counters.generatedTokens, 2);
        } finally {
            client.dispose();
        }
    });

    it("kills a host whose request never finishes although its heartbeat goes on", async () => {
        // A stand-in for llama.cpp stuck in a decode: the main thread beats, the request never ends.
        const folder = await mkdtemp(join(tmpdir(), "phi2-stuck-"));
        const stuckHost = join(folder, "stuckHost.mjs");
        await writeFile(stuckHost, [
            `process.send({ kind: "ready", protocolVersion: ${PROTOCOL_VERSION}, pid: process.pid });`,
            `setInterval(() => process.send({ kind: "heartbeat" }), 100);`,
            `process.on("message", () => undefined);`,
        ].join("\n"));
        const logs: string[] = [];
        const client = new ModelHostClient({ hostScriptPath: stuckHost, requestStallMs: 1000, restart: { enabled: false }, log: (_level, message) => logs.push(message) });
        try {
            await client.start();
            const pid = client.pid as number;
            await assert.rejects(client.stats(), (error: Error & { code?: string }) => error.code === "HOST_EXITED" && /stopped answering and was killed/.test(error.message));
            await waitUntilGone(pid, 5000);
            assert.ok(logs.some((line) => /A stats request got no answer for 1 s: killing the stuck model host/.test(line)), logs.join("\n"));
        } finally {
            client.dispose();
            await rm(folder, { recursive: true, force: true });
        }
    });

    it("stops restarting after 5 crashes within 3 minutes and says what to do", async () => {
        const client = new ModelHostClient({ hostScriptPath: HOST_SCRIPT, restart: { initialDelayMs: 10, maxDelayMs: 20 } });
        const restarts: number[] = [];
        client.onDidChangeState((state) => {
            if (state.kind === "restarting") restarts.push(state.attempt);
        });
        try {
            await client.load(loadParams(modelPath, { sequences: 1 }));
            for (let crash = 1; crash <= 5; crash++) {
                const pid = client.pid as number;
                process.kill(pid, "SIGKILL");
                if (crash < 5) await waitForState(client, (state) => state.kind === "ready" && client.pid !== pid);
            }
            const final = await waitForState(client, (state) => state.kind === "error");
            assert.ok(final.kind === "error");
            assert.equal(final.error.code, "HOST_CRASH_LOOP");
            assert.match(final.error.message, /5 times in 3 minutes.*not restarted again.*Restart Model.*Show Logs/);
            assert.deepEqual(restarts, [1, 2, 3, 4]);
            await sleep(200);
            assert.equal(client.pid, undefined, "no host was started after giving up");
        } finally {
            client.dispose();
        }
    });

    it("reports a native crash while loading with the file and a remedy, without restarting into it", async () => {
        const client = new ModelHostClient({ hostScriptPath: HOST_SCRIPT, restart: { initialDelayMs: 10 } });
        const states: HostState[] = [];
        client.onDidChangeState((state) => states.push(state));
        try {
            await client.start();
            const hostPid = client.pid as number;
            // SIGABRT is what a GGML_ASSERT in llama.cpp's loader raises.
            const loading = client.load(loadParams(modelPath, { sequences: 1 }), () => process.kill(hostPid, "SIGABRT"));
            await assert.rejects(loading, (error: Error & { code?: string }) => {
                assert.equal(error.code, "MODEL_CRASHED");
                assert.ok(error.message.includes(modelPath), error.message);
                assert.match(error.message, /SIGABRT.*download it again or select another file/);
                return true;
            });
            await sleep(200);
            assert.equal(client.state.kind, "error");
            assert.equal(states.some((state) => state.kind === "restarting"), false);
        } finally {
            client.dispose();
        }
    });

    it("exits the CLI with a clear error when its host stops answering (PHI2_HOST_HANG_TIMEOUT_MS; 15 s by default)", async function () {
        this.timeout(120_000);
        const folder = await mkdtemp(join(tmpdir(), "phi2-hang-"));
        try {
            const file = join(folder, "long.py");
            await writeFile(file, pythonSource(1500));
            const { cli, hostPid, stderr } = await startCliUntilLoaded(CLI, ["complete", "--model", modelPath, "--file", file, "--line", "3", "--column", "1", "--threads", "1", "--gpu", "off", "--max-tokens", "512"], { PHI2_HOST_HANG_TIMEOUT_MS: "4000" });
            const exited = once(cli, "exit");
            process.kill(hostPid, "SIGSTOP");
            const [code] = (await exited) as [number | null];
            assert.equal(code, 1);
            assert.match(stderr(), /phi2-complete: model error \(HOST_EXITED\): The model host stopped answering and was killed/);
            assert.match(stderr(), /sent nothing for 4000 ms/);
            await waitUntilGone(hostPid, 5000);
        } finally {
            await rm(folder, { recursive: true, force: true });
        }
    });

    it("exits the CLI with a clear error when its host never gets ready (PHI2_HOST_START_TIMEOUT_MS; 20 s by default)", async function () {
        this.timeout(120_000);
        // A copy of the CLI inside dist/ (its imports resolve as the real one's) next to a host that never says ready.
        const folder = await mkdtemp(join(dirname(CLI), "test", "stalled-host-"));
        try {
            const cli = join(folder, "cli.mjs");
            await copyFile(CLI, cli);
            await writeFile(join(folder, "modelHost.mjs"), "setInterval(() => undefined, 1000);\n");
            const file = join(folder, "add.py");
            await writeFile(file, "def add(a, b):\n");
            const run = await runCli(["complete", "--model", modelPath, "--file", file, "--line", "2", "--column", "1", "--threads", "1", "--gpu", "off", "--verbose"], { cli, env: { PHI2_HOST_START_TIMEOUT_MS: "3000" } });
            assert.equal(run.code, 1, run.stderr);
            assert.match(run.stderr, /phi2-complete: model error \(HOST_UNAVAILABLE\): The model host did not start within 3000 ms/);
            const hostPid = Number(/Model host started \(pid (\d+)\)/.exec(run.stderr)?.[1]);
            assert.ok(hostPid > 0, run.stderr);
            await waitUntilGone(hostPid, 5000);
        } finally {
            await rm(folder, { recursive: true, force: true });
        }
    });

    it("refuses a host timeout variable that is not a number of milliseconds, with exit code 2 and its name", async () => {
        const run = await runCli(["complete", "--model", modelPath, "--file", __filename, "--line", "1", "--column", "1"], { env: { PHI2_HOST_HANG_TIMEOUT_MS: "soon" } });
        assert.equal(run.code, 2, run.stderr);
        assert.match(run.stderr, /PHI2_HOST_HANG_TIMEOUT_MS must be a whole number of milliseconds from 1 to 2147483647, got "soon"/);
    });

    it(`recovers from SIGKILL during load, prefill, generation and explanation (${KILL_LOOP_ITERATIONS} times)`, async function () {
        // A restart reloads the model: seconds each on this shared machine.
        this.timeout(Math.max(300_000, KILL_LOOP_ITERATIONS * 30_000));
        const scriptedModel = await ensureScriptedModel(SCRIPTS.add);
        const client = new ModelHostClient({
            hostScriptPath: HOST_SCRIPT,
            // The loop crashes on purpose far faster than the crash-loop limit allows.
            restart: { initialDelayMs: 10, maxDelayMs: 50, maxCrashes: Number.MAX_SAFE_INTEGER },
        });
        const phases = ["load", "prefill", "generation", "explanation"] as const;
        const longPrompt = pythonSource(1500);
        const start = performance.now();
        try {
            await client.load(loadParams(scriptedModel, { sequences: 2 }));
            for (let iteration = 0; iteration < KILL_LOOP_ITERATIONS; iteration++) {
                const phase = phases[iteration % phases.length]!;
                const pid = client.pid as number;
                let request: Promise<unknown>;
                if (phase === "load") {
                    request = client.load(loadParams(scriptedModel, { sequences: 2 }), () => killHost(pid));
                } else if (phase === "prefill") {
                    request = client.prefill({ sequenceKey: "a", prompt: longPrompt, priority: "foreground" });
                    setImmediate(() => killHost(pid));
                } else {
                    const explanation = phase === "explanation";
                    request = client.generate({
                        sequenceKey: explanation ? "explain" : "a",
                        prompt: "def add(a, b):\n",
                        maxTokens: 1_000_000,
                        priority: explanation ? "background" : "foreground",
                        onText: () => {
                            killHost(pid);
                            return true;
                        },
                    });
                }
                // A kill before the host answered rejects; a request that finished first is fine too.
                await request.catch((error: Error & { code?: string }) => assert.equal(error.code, "HOST_EXITED", error.message));
                // A request can finish before its kill lands (a tiny model is fast): the host still goes now.
                killHost(pid);
                await waitUntilGone(pid, 5000);
                await waitForState(client, (state) => state.kind === "ready" && client.pid !== pid);
                const result = await client.generate({ sequenceKey: "a", prompt: "def add(a, b):\n", maxTokens: 8 });
                assert.match(result.text, /^ {4}return a \+ b/, `after a kill during ${phase} (iteration ${iteration})`);
            }
            const seconds = (performance.now() - start) / 1000;
            console.log(`      ${KILL_LOOP_ITERATIONS} kills, every one followed by a working completion, in ${seconds.toFixed(1)} s (${((seconds * 1000) / KILL_LOOP_ITERATIONS).toFixed(0)} ms per kill)`);
        } finally {
            client.dispose();
        }
    });
});
