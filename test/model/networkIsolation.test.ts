// No network: a completion through the CLI and its model host works in a network namespace that
// has only loopback, and a trace of every connect() call (host and CLI, all threads) shows no
// Internet socket at all. Needs root for `unshare -n` and strace on PATH; skipped otherwise.
import assert from "node:assert/strict";
import { execFile, execFileSync } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import * as os from "node:os";
import * as path from "node:path";
import { ensureScriptedModel, SCRIPTS } from "../support/tinyModels";
import { CLI } from "./cliRunner";

function available(command: string): boolean {
    try {
        execFileSync("which", [command], { stdio: "ignore" });
        return true;
    } catch {
        return false;
    }
}

describe("network isolation", function () {
    this.timeout(180_000);
    let directory: string;

    before(async function () {
        if (process.platform !== "linux" || process.getuid?.() !== 0 || !available("unshare") || !available("strace")) this.skip();
        directory = await mkdtemp(path.join(os.tmpdir(), "phi2-netns-"));
    });

    after(async () => {
        if (directory) await rm(directory, { recursive: true, force: true });
    });

    it("completes with only loopback and opens no Internet socket", async () => {
        const model = await ensureScriptedModel(SCRIPTS.add);
        const file = path.join(directory, "add.py");
        await writeFile(file, "def add(a, b):\n");
        const trace = path.join(directory, "connect.trace");
        const args = [
            "-n", "strace", "-f", "-qq", "-e", "trace=socket,socketpair,connect,sendto,sendmsg", "-o", trace,
            process.execPath, CLI, "complete", "--model", model, "--file", file, "--line", "2", "--column", "1", "--threads", "1", "--gpu", "off",
        ];
        const stdout = await new Promise<string>((resolve, reject) => {
            execFile("unshare", args, { encoding: "utf8", timeout: 150_000 }, (error, out, stderr) => (error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(out)));
        });
        assert.equal(stdout, "    return a + b");
        const calls = (await readFile(trace, "utf8")).split("\n").filter((line) => /\b(socket|socketpair|connect|sendto|sendmsg)\(/.test(line));
        // The trace sees the CLI and its host: the IPC channel between them is a Unix socket pair.
        assert.ok(calls.some((line) => /socketpair\(AF_UNIX/.test(line)), `the trace missed the IPC channel:\n${calls.join("\n")}`);
        const internet = calls.filter((line) => /AF_INET6?\b/.test(line));
        assert.deepEqual(internet, [], "Internet sockets were opened");
        console.log(`      ${calls.length} socket calls traced (the IPC socket pair among them), none AF_INET/AF_INET6`);
    });
});
