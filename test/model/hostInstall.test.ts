// A host that can never work is reported as what it is, once, and not restarted: the real host
// bundle rebuilt with another protocol version ("rebuild or reinstall"), a host file that is
// missing or that node cannot run (a broken install). And Restart Model on the one client object:
// a fresh process, the model loaded again, the crash history forgotten.
import assert from "node:assert/strict";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { ModelHostClient, type HostState } from "../../src/hostClient/ModelHostClient";
import { PROTOCOL_VERSION } from "../../src/protocol/modelHostProtocol";
import { ensureRandomModel } from "../support/tinyModels";
import { CLI, runCli } from "./cliRunner";
import { HOST_SCRIPT, loadParams, requireBuiltHost, waitForState } from "./hostHarness";
import { waitUntilGone } from "./processes";

function sleep(ms: number): Promise<void> {
    return new Promise((wake) => setTimeout(wake, ms));
}

/** A client on `hostScriptPath` with its log and every state it went through. */
function watchedClient(hostScriptPath: string): { client: ModelHostClient; logs: string[]; states: HostState[] } {
    const logs: string[] = [];
    const client = new ModelHostClient({ hostScriptPath, log: (_level, message) => logs.push(message), restart: { initialDelayMs: 10 } });
    const states: HostState[] = [];
    client.onDidChangeState((state) => states.push(state));
    return { client, logs, states };
}

/** How many host processes the client forked (each logs its start). */
function hostsStarted(logs: readonly string[]): number {
    return logs.filter((line) => /^Model host started \(pid \d+\)/.test(line)).length;
}

describe("a host from another build or a broken install", function () {
    this.timeout(120_000);
    let folder: string;

    before(async () => {
        requireBuiltHost();
        // Inside dist/ so that a copy of the real bundle resolves node-llama-cpp as the original does.
        await mkdir(join(dirname(HOST_SCRIPT), "test"), { recursive: true });
        folder = await mkdtemp(join(dirname(HOST_SCRIPT), "test", "host-install-"));
    });

    after(async () => {
        await rm(folder, { recursive: true, force: true });
    });

    it("fails a host bundle built with another protocol version with 'rebuild or reinstall', without restarting it", async () => {
        const bundle = await readFile(HOST_SCRIPT, "utf8");
        const declaration = `var PROTOCOL_VERSION = ${PROTOCOL_VERSION};`;
        assert.ok(bundle.includes(declaration), `the built host declares ${declaration}`);
        const otherBuild = join(folder, "modelHost.mjs");
        await writeFile(otherBuild, bundle.replace(declaration, `var PROTOCOL_VERSION = ${PROTOCOL_VERSION + 1};`));
        const { client, logs, states } = watchedClient(otherBuild);
        try {
            const loading = client.load(loadParams(await ensureRandomModel()));
            const pid = await waitForPid(client);
            await assert.rejects(loading, (error: Error & { code?: string }) => {
                assert.equal(error.code, "HOST_VERSION_MISMATCH");
                assert.ok(error.message.includes(otherBuild), error.message);
                assert.match(error.message, new RegExp(`protocol version ${PROTOCOL_VERSION + 1}, but this client speaks version ${PROTOCOL_VERSION}.*npm run build.*reinstall the extension`));
                return true;
            });
            await waitUntilGone(pid, 5000);
            await sleep(300);
            assert.equal(client.state.kind === "error" && client.state.error.code, "HOST_VERSION_MISMATCH");
            assert.equal(states.some((state) => state.kind === "restarting"), false);
            assert.equal(hostsStarted(logs), 1, logs.join("\n"));
            assert.equal(client.pid, undefined);
        } finally {
            client.dispose();
        }
    });

    it("reports a missing host file as a broken install without starting a process", async () => {
        const { client, logs, states } = watchedClient(join(folder, "missing", "modelHost.mjs"));
        try {
            await assert.rejects(client.load(loadParams("/nowhere/model.gguf")), (error: Error & { code?: string }) => {
                assert.equal(error.code, "HOST_BROKEN_INSTALL");
                assert.match(error.message, /missing\/modelHost\.mjs could not start \(the file does not exist\).*Reinstall the extension/);
                return true;
            });
            await sleep(200);
            assert.equal(client.state.kind === "error" && client.state.error.code, "HOST_BROKEN_INSTALL");
            assert.equal(states.some((state) => state.kind === "restarting"), false);
            assert.equal(hostsStarted(logs), 0, logs.join("\n"));
        } finally {
            client.dispose();
        }
    });

    it("reports a host node cannot run as a broken install, started once, with node's error in the log", async () => {
        const unrunnable = join(folder, "unrunnable.mjs");
        await writeFile(unrunnable, "export const = ;\n");
        const { client, logs, states } = watchedClient(unrunnable);
        try {
            await assert.rejects(client.start(), (error: Error & { code?: string }) => {
                assert.equal(error.code, "HOST_BROKEN_INSTALL");
                assert.match(error.message, /exit code 1 before it was ready/);
                return true;
            });
            await sleep(300);
            assert.equal(client.state.kind, "error");
            assert.equal(states.some((state) => state.kind === "restarting"), false);
            assert.equal(hostsStarted(logs), 1, logs.join("\n"));
            assert.ok(logs.some((line) => /SyntaxError/.test(line)), logs.join("\n"));
        } finally {
            client.dispose();
        }
    });

    it("makes the CLI say that the install is broken when its host file is missing", async () => {
        // A copy of the CLI inside dist/ (its imports resolve as the real one's) with no host next to it.
        const cliFolder = join(folder, "cli-without-host");
        await mkdir(cliFolder);
        const cli = join(cliFolder, "cli.mjs");
        await writeFile(cli, await readFile(CLI));
        const file = join(cliFolder, "add.py");
        await writeFile(file, "def add(a, b):\n");
        const run = await runCli(["complete", "--model", await ensureRandomModel(), "--file", file, "--line", "2", "--column", "1", "--threads", "1", "--gpu", "off"], { cli });
        assert.equal(run.code, 1, run.stderr);
        assert.match(run.stderr, /phi2-complete: model error \(HOST_BROKEN_INSTALL\): The model host .*modelHost\.mjs could not start \(the file does not exist\)/);
    });
});

describe("Restart Model on the model host client", function () {
    this.timeout(120_000);

    it("replaces the process, loads the model again and forgets a crash loop", async () => {
        requireBuiltHost();
        const params = loadParams(await ensureRandomModel(), { sequences: 1 });
        const client = new ModelHostClient({ hostScriptPath: HOST_SCRIPT, restart: { initialDelayMs: 10, maxCrashes: 2 } });
        try {
            await client.load(params);
            for (let crash = 1; crash <= 2; crash++) {
                const pid = client.pid as number;
                process.kill(pid, "SIGKILL");
                if (crash < 2) await waitForState(client, (state) => state.kind === "ready" && client.pid !== pid);
            }
            assert.equal((await waitForState(client, (state) => state.kind === "error")).kind === "error" && client.state.kind === "error" && client.state.error.code, "HOST_CRASH_LOOP");

            const states: HostState["kind"][] = [];
            client.onDidChangeState((state) => states.push(state.kind));
            const info = await client.restart();
            assert.equal(info?.modelPath, params.modelPath);
            assert.equal(client.state.kind, "ready");
            assert.deepEqual(states.filter((kind, index) => kind !== states[index - 1]).slice(-2), ["loading", "ready"]);
            assert.equal((await client.generate({ sequenceKey: "a", prompt: "x = 1\n", maxTokens: 2 })).counters.generatedTokens, 2);

            // One crash: restarted (the limit is 2).
            process.kill(client.pid as number, "SIGKILL");
            assert.deepEqual(await waitForState(client, (state) => state.kind === "restarting"), { kind: "restarting", attempt: 1, delayMs: 10 });
            await waitForState(client, (state) => state.kind === "ready");
            // A request running when Restart Model comes is ended, and the new host serves.
            const runningPid = client.pid as number;
            const running = client.generate({ sequenceKey: "a", prompt: "def main():\n", maxTokens: 1_000_000 });
            const ended = assert.rejects(running, { code: "HOST_UNAVAILABLE", message: "The model host was restarted." });
            await sleep(50);
            await client.restart();
            await ended;
            await waitUntilGone(runningPid, 5000);
            // Restart Model forgot the crash: the next one is attempt 1 again, not the second of the limit.
            process.kill(client.pid as number, "SIGKILL");
            assert.deepEqual(await waitForState(client, (state) => state.kind === "restarting"), { kind: "restarting", attempt: 1, delayMs: 10 });
            await waitForState(client, (state) => state.kind === "ready");
        } finally {
            client.dispose();
        }
    });
});

/** The pid of the host the client just forked. */
async function waitForPid(client: ModelHostClient): Promise<number> {
    for (let waited = 0; waited < 5000; waited += 5) {
        if (client.pid !== undefined) return client.pid;
        await sleep(5);
    }
    throw new Error("the client started no host process");
}

describe("stopping the model host (no model configured, the server backend, an idle unload)", function () {
    this.timeout(120_000);

    it("ends the process, rejects what was pending, is not restarted, and the next load forks a new host", async () => {
        requireBuiltHost();
        const params = loadParams(await ensureRandomModel(), { sequences: 1 });
        const { client, logs, states } = watchedClient(HOST_SCRIPT);
        try {
            await client.load(params);
            const pid = client.pid as number;
            const running = client.generate({ sequenceKey: "a", prompt: "def main():\n", maxTokens: 1_000_000 });
            const ended = assert.rejects(running, { code: "HOST_UNAVAILABLE", message: "The model host was stopped." });
            await sleep(50);
            client.stop();
            await ended;
            assert.equal(client.state.kind, "stopped");
            assert.equal(client.pid, undefined);
            await waitUntilGone(pid, 5000);
            // An exit it asked for is not a crash: nothing restarts it.
            await sleep(300);
            assert.equal(hostsStarted(logs), 1);
            assert.ok(!states.some((state) => state.kind === "restarting"), `states: ${states.map((state) => state.kind).join(", ")}`);

            await client.load(params);
            assert.notEqual(client.pid, pid);
            assert.equal(hostsStarted(logs), 2);
            assert.equal((await client.generate({ sequenceKey: "a", prompt: "x = 1\n", maxTokens: 2 })).counters.generatedTokens, 2);
        } finally {
            client.dispose();
        }
    });
});
