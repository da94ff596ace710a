// The headless CLI end to end: `node dist/cli.mjs complete ...` through the real model host on the
// scripted tiny models (build first: `npm run build`; `npm run test:model` does).
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import * as os from "node:os";
import * as path from "node:path";
import { ensureScriptedModel, SCRIPTS } from "../support/tinyModels";
import { runCli } from "./cliRunner";

describe("CLI: phi2-complete complete (scripted tiny model)", function () {
    this.timeout(120_000);
    let directory: string;
    let addModel: string;
    let exactModel: string;

    /** Writes a Python file and returns the CLI arguments for a completion at (line, column). */
    async function completeArgs(model: string, name: string, text: string, line: number, column: number): Promise<string[]> {
        const file = path.join(directory, name);
        await writeFile(file, text, "utf8");
        return ["complete", "--model", model, "--file", file, "--line", String(line), "--column", String(column), "--threads", "1", "--gpu", "off"];
    }

    before(async () => {
        directory = await mkdtemp(path.join(os.tmpdir(), "phi2-cli-"));
        addModel = await ensureScriptedModel(SCRIPTS.add);
        exactModel = await ensureScriptedModel(SCRIPTS.exactText);
    });

    after(async () => {
        await rm(directory, { recursive: true, force: true });
    });

    it("prints the scripted continuation of a function signature exactly, with no newline added", async () => {
        const run = await runCli(await completeArgs(addModel, "add.py", "def add(a, b):\n", 2, 1));
        assert.equal(run.stderr, "");
        assert.equal(run.code, 0);
        assert.equal(run.stdout, "    return a + b");
    });

    it("completes after the editor's auto-indentation (the model writes the indentation itself)", async () => {
        const run = await runCli(await completeArgs(addModel, "indented.py", "def add(a, b):\n    ", 2, 5));
        assert.equal(run.code, 0, run.stderr);
        assert.equal(run.stdout, "return a + b");
    });

    it("prints suggestion, counters and stats with --json", async () => {
        const run = await runCli([...(await completeArgs(addModel, "add.py", "def add(a, b):\n", 2, 1)), "--json"]);
        assert.equal(run.code, 0, run.stderr);
        const output = JSON.parse(run.stdout) as {
            suggestion: string | null;
            counters: { promptTokens: number; evaluatedTokens: number; generatedTokens: number };
            stats: { source: string; mode: string; overheadMs: number };
        };
        assert.equal(output.suggestion, "    return a + b");
        assert.ok(output.counters.promptTokens > 0);
        assert.equal(output.counters.evaluatedTokens, output.counters.promptTokens, "a fresh host evaluates the whole prompt");
        assert.ok(output.counters.generatedTokens >= 5);
        assert.equal(output.stats.source, "model");
        assert.equal(output.stats.mode, "multiLine");
        assert.ok(output.stats.overheadMs >= 0);
    });

    it("returns ` != ` byte for byte inside a line", async () => {
        const run = await runCli(await completeArgs(exactModel, "cmp.py", "if x\n", 1, 5));
        assert.equal(run.code, 0, run.stderr);
        assert.equal(run.stdout, " != y:");
    });

    it("returns `from . import` byte for byte", async () => {
        const run = await runCli(await completeArgs(exactModel, "imp.py", "if x != y:\n    from\n", 2, 9));
        assert.equal(run.code, 0, run.stderr);
        assert.equal(run.stdout, " . import a");
    });

    it("returns a tab-indented line and multi-byte characters byte for byte", async () => {
        const prefix = "if x != y:\n    from . import a\n";
        const tab = await runCli([...(await completeArgs(exactModel, "tab.py", prefix, 3, 1)), "--multiline", "never"]);
        assert.equal(tab.code, 0, tab.stderr);
        assert.equal(tab.stdout, "\tpass");
        const text = await runCli(await completeArgs(exactModel, "utf8.py", `${prefix}\tpass\ns = "h`, 4, 7));
        assert.equal(text.code, 0, text.stderr);
        assert.equal(text.stdout, 'éllo ✓ 🙂"');
    });

    it("exits 2 with a clear message for a missing file or a column past the line", async () => {
        const missing = await runCli(["complete", "--model", addModel, "--file", path.join(directory, "nope.py"), "--line", "1", "--column", "1"]);
        assert.equal(missing.code, 2);
        assert.match(missing.stderr, /nope\.py does not exist/);
        const column = await runCli(await completeArgs(addModel, "short.py", "x = 1\n", 1, 9));
        assert.equal(column.code, 2);
        assert.match(column.stderr, /--column 9 is past the end of line 1/);
        const usage = await runCli(["complete", "--file", "x.py"]);
        assert.equal(usage.code, 2);
        assert.match(usage.stderr, /--model PATH is required/);
    });

    it("exits 1 with the host's error for a file that is not a GGUF model", async () => {
        const notModel = path.join(directory, "not-a-model.gguf");
        await writeFile(notModel, "this is not a model");
        const run = await runCli(await completeArgs(notModel, "add.py", "def add(a, b):\n", 2, 1));
        assert.equal(run.code, 1);
        assert.match(run.stderr, /model error \(MODEL_INVALID\)/);
    });
});
