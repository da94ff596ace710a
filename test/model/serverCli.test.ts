// The CLI against a real llama-server on 127.0.0.1: `complete --server URL` prints the exact
// suggestion, and `bench --server URL` runs the typing replay on the local host and on the server
// side by side plus the load table, printing one JSON object (figures checked for presence and
// sanity, not timed). Build first: `npm run build` (`npm run test:model` does).
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import * as os from "node:os";
import * as path from "node:path";
import { startLlamaServer, type LlamaServerProcess } from "../support/llamaServer";
import { ensureScriptedModel, SCRIPTS } from "../support/tinyModels";

const CLI = path.resolve(import.meta.dirname, "..", "..", "dist", "cli.mjs");

function runCli(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
        execFile(process.execPath, [CLI, ...args], { encoding: "utf8", timeout: 170_000, maxBuffer: 16 * 1024 * 1024, env: { ...process.env, ...env } }, (error, stdout, stderr) => {
            resolve({ code: error ? (typeof error.code === "number" ? error.code : -1) : 0, stdout, stderr });
        });
    });
}

interface Distribution {
    count: number;
    p50: number;
    p95: number;
}

interface ServerBenchJson {
    kind: string;
    server: { url: string; slots: number; slotAssignment: string };
    sideBySide: {
        local: { modelCalls: number; evaluatedTotal: number; latencyMs: Distribution; evaluatedPerCall: Distribution };
        server: { modelCalls: number; evaluatedTotal: number; latencyMs: Distribution; evaluatedPerCall: Distribution };
        latencyP50Ratio: number;
        evaluatedRatio: number;
    };
    load: { users: number; requests: number; latencyMs: Distribution; perUser: { requests: number }[] }[];
}

describe("CLI with --server (a real llama-server)", function () {
    this.timeout(180_000);
    let server: LlamaServerProcess;
    let modelPath: string;
    let directory: string;

    before(async () => {
        modelPath = await ensureScriptedModel(SCRIPTS.add);
        server = await startLlamaServer({ modelPath, slots: 2, apiKey: "cli-key" });
        directory = await mkdtemp(path.join(os.tmpdir(), "phi2-server-cli-"));
    });

    after(async () => {
        await server?.stop();
        if (directory) await rm(directory, { recursive: true, force: true });
    });

    it("complete --server prints the server's suggestion exactly, with the key from PHI2_SERVER_API_KEY", async () => {
        const file = path.join(directory, "add.py");
        await writeFile(file, "def add(a, b):\n    \n", "utf8");
        const args = ["complete", "--server", server.url, "--file", file, "--line", "2", "--column", "5"];
        const run = await runCli(args, { PHI2_SERVER_API_KEY: "cli-key" });
        assert.equal(run.code, 0, run.stderr);
        assert.equal(run.stdout, "return a + b");
        const refused = await runCli(args, { PHI2_SERVER_API_KEY: "wrong" });
        assert.equal(refused.code, 1);
        assert.match(refused.stderr, /UNAUTHORIZED/);
    });

    it("bench --server runs the replay on both backends and the load table", async () => {
        const run = await runCli(
            ["bench", "--quick", "--json", "--functions", "1", "--threads", "1", "--model", modelPath, "--server", server.url, "--users", "1,2"],
            { PHI2_SERVER_API_KEY: "cli-key" },
        );
        assert.equal(run.code, 0, run.stderr);
        const result = JSON.parse(run.stdout) as ServerBenchJson;
        assert.equal(result.kind, "server");
        assert.equal(result.server.slots, 2);
        assert.equal(result.server.slotAssignment, "perDocument");
        for (const side of [result.sideBySide.local, result.sideBySide.server]) {
            assert.ok(side.modelCalls > 0 && side.evaluatedTotal > 0, JSON.stringify(side));
            assert.ok(side.latencyMs.count > 0 && side.latencyMs.p95 >= side.latencyMs.p50, JSON.stringify(side.latencyMs));
        }
        assert.ok(result.sideBySide.latencyP50Ratio > 0 && result.sideBySide.evaluatedRatio > 0);
        assert.deepEqual(result.load.map((row) => row.users), [1, 2]);
        for (const row of result.load) {
            assert.equal(row.perUser.length, row.users);
            assert.ok(row.perUser.every((user) => user.requests > 0), JSON.stringify(row.perUser));
        }
    });
});
