// No model host outlives its parent: SIGKILL of the parent during load, prefill, generation and
// an explanation ends the host within a bound; SIGTERM ends it even mid-prefill; the CLI forwards
// Ctrl-C and SIGTERM to its host and exits 130 / 143.
import assert from "node:assert/strict";
import { fork, spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { HostMessage } from "../../src/protocol/modelHostProtocol";
import { ensureRandomModel } from "../support/tinyModels";
import { CLI } from "./cliRunner";
import { HOST_SCRIPT, pythonSource, requireBuiltHost } from "./hostHarness";
import { isProcessGone, startCliUntilLoaded, waitUntilGone } from "./processes";


/**
 * The guarantee is one second; the assertion allows for this shared 2-core machine, where a
 * re-parented zombie also waits for init to reap it. Measured times are printed.
 */
const EXIT_BOUND_MS = 2500;

type Phase = "load" | "prefill" | "generation" | "explanation";

/**
 * A parent like the extension host or the CLI: forks the real host, loads the model and starts the
 * phase's request, then prints "<host pid> <phase>" once the host is in it and waits to be killed.
 */
const PARENT_SCRIPT = `
import { fork } from "node:child_process";
const [hostScript, modelPath, phase, prompt] = process.argv.slice(2);
const host = fork(hostScript, [], { execArgv: [], stdio: ["ignore", "ignore", "ignore", "ipc"] });
const load = { modelPath, gpu: "off", threads: 1, contextSize: 2048, sequences: 2, prefillChunkTokens: 2048 };
const announce = () => console.log(host.pid + " " + phase);
host.on("message", (message) => {
    if (message.kind === "ready") {
        host.send({ kind: "request", id: 1, method: "load", params: load });
        if (phase === "load") announce();
    } else if (message.kind === "response" && message.id === 1) {
        if (phase === "prefill") host.send({ kind: "request", id: 2, method: "prefill", params: { sequenceKey: "a", prompt, priority: "foreground" } });
        else host.send({ kind: "request", id: 2, method: "generate", params: { sequenceKey: phase === "explanation" ? "explain" : "a", prompt: "def main():\\n", maxTokens: 1000000, priority: phase === "explanation" ? "background" : "foreground" } });
        if (phase === "prefill") announce();
    } else if (message.kind === "progress" && message.id === 2 && !globalThis.announced) {
        globalThis.announced = true;
        announce();
    }
});
setInterval(() => undefined, 1000);
`;

async function startParent(parentScript: string, modelPath: string, phase: Phase): Promise<{ parent: ChildProcess; hostPid: number }> {
    const parent = spawn(process.execPath, [parentScript, HOST_SCRIPT, modelPath, phase, pythonSource(1800)], { stdio: ["ignore", "pipe", "inherit"] });
    let output = "";
    parent.stdout!.setEncoding("utf8");
    const announced = new Promise<number>((resolvePid, reject) => {
        parent.stdout!.on("data", (chunk: string) => {
            output += chunk;
            const match = /^(\d+) \w+$/m.exec(output);
            if (match) resolvePid(Number(match[1]));
        });
        parent.on("exit", (code) => reject(new Error(`the parent exited early (code ${code})`)));
    });
    return { parent, hostPid: await announced };
}

describe("model host lifetime: no process outlives its parent", function () {
    this.timeout(120_000);
    let folder: string;
    let parentScript: string;
    let modelPath: string;

    before(async () => {
        requireBuiltHost();
        modelPath = await ensureRandomModel();
        folder = await mkdtemp(join(tmpdir(), "phi2-lifetime-"));
        parentScript = join(folder, "parent.mjs");
        await writeFile(parentScript, PARENT_SCRIPT);
    });

    after(async () => {
        await rm(folder, { recursive: true, force: true });
    });

    for (const phase of ["load", "prefill", "generation", "explanation"] as const) {
        it(`ends the host when its parent is SIGKILLed during ${phase}`, async () => {
            const { parent, hostPid } = await startParent(parentScript, modelPath, phase);
            assert.equal(isProcessGone(hostPid), false);
            const killedAt = performance.now();
            parent.kill("SIGKILL");
            const goneAfterMs = await waitUntilGone(hostPid, 10_000);
            console.log(`      host gone ${Math.round(goneAfterMs)} ms after its parent was killed during ${phase}`);
            assert.ok(performance.now() - killedAt < EXIT_BOUND_MS, `the host lived ${Math.round(goneAfterMs)} ms after its parent`);
        });
    }

    it("exits on SIGTERM in the middle of a one-chunk prefill", async () => {
        const host = fork(HOST_SCRIPT, [], { execArgv: [], stdio: ["ignore", "ignore", "ignore", "ipc"] });
        const messages: HostMessage[] = [];
        host.on("message", (message: HostMessage) => messages.push(message));
        await once(host, "message");
        host.send({ kind: "request", id: 1, method: "load", params: { modelPath, gpu: "off", threads: 1, contextSize: 2048, sequences: 1, prefillChunkTokens: 2048 } });
        while (!messages.some((message) => message.kind === "response" && message.id === 1)) await new Promise((wake) => setTimeout(wake, 10));
        host.send({ kind: "request", id: 2, method: "prefill", params: { sequenceKey: "a", prompt: pythonSource(1800), priority: "foreground" } });
        await new Promise((wake) => setTimeout(wake, 20));
        const exited = once(host, "exit");
        host.kill("SIGTERM");
        const [code, signal] = (await exited) as [number | null, NodeJS.Signals | null];
        assert.equal(messages.some((message) => message.kind === "response" && message.id === 2), false, "the prefill finished before the signal: not a mid-prefill test");
        assert.equal(code, null);
        assert.equal(signal, "SIGKILL", "the host ends itself at once instead of waiting for native threads");
    });

    describe("CLI signals", () => {
        let pythonFile: string;
        before(async () => {
            pythonFile = join(folder, "long.py");
            await writeFile(pythonFile, pythonSource(1500));
        });

        for (const [signal, expectedCode] of [["SIGINT", 130], ["SIGTERM", 143]] as const) {
            it(`exits ${expectedCode} on ${signal} and stops its host`, async () => {
                const { cli, hostPid } = await startCliUntilLoaded(CLI, ["complete", "--model", modelPath, "--file", pythonFile, "--line", "3", "--column", "1", "--threads", "1", "--gpu", "off", "--max-tokens", "512"]);
                const exited = once(cli, "exit");
                cli.kill(signal);
                const [code] = (await exited) as [number | null];
                assert.equal(code, expectedCode);
                await waitUntilGone(hostPid, EXIT_BOUND_MS);
            });
        }
    });
});
