// Odd files and arguments for `phi2-complete complete`: too large, unreadable, lone CR, BOM, a
// column inside a surrogate pair, control characters in paths, out-of-range --threads. Each ends
// with a clear message and the documented exit code (2 for bad arguments or files), never a stack trace.
import assert from "node:assert/strict";
import { chmod, mkdtemp, open, rm, writeFile } from "node:fs/promises";
import * as os from "node:os";
import * as path from "node:path";
import { ensureScriptedModel, SCRIPTS } from "../support/tinyModels";
import { runCli, type CliRun } from "./cliRunner";

/** The unprivileged user of Debian and most Linux systems. */
const NOBODY = { uid: 65534, gid: 65534 };

describe("CLI: odd files and arguments", function () {
    this.timeout(120_000);
    let directory: string;
    let model: string;
    const complete = (file: string, line: number, column: number, ...extra: string[]): string[] =>
        ["complete", "--model", model, "--file", file, "--line", String(line), "--column", String(column), "--threads", "1", "--gpu", "off", ...extra];

    before(async () => {
        directory = await mkdtemp(path.join(os.tmpdir(), "phi2-cli-inputs-"));
        model = await ensureScriptedModel(SCRIPTS.add);
    });

    after(async () => {
        await rm(directory, { recursive: true, force: true });
    });

    function assertNoStackTrace(run: CliRun): void {
        assert.doesNotMatch(run.stderr, /\n\s+at |RangeError|TypeError|node:internal/, run.stderr);
    }

    it("refuses a 600 MB file with exit code 2 without reading it", async () => {
        const huge = path.join(directory, "huge.py");
        const handle = await open(huge, "w");
        await handle.truncate(600 * 1024 * 1024);
        await handle.close();
        const run = await runCli(complete(huge, 1, 1));
        assert.equal(run.code, 2, run.stderr);
        assert.match(run.stderr, /is 600 MB; phi2-complete completes files of at most 50 MB/);
        assertNoStackTrace(run);
    });

    it("refuses an unreadable file with exit code 2", async () => {
        const locked = path.join(directory, "locked.py");
        await writeFile(locked, "x = 1\n");
        await chmod(locked, 0o000);
        // Root reads every file: as root, the CLI runs as nobody to meet the permission error.
        await chmod(directory, 0o755);
        const run = await runCli(complete(locked, 1, 1), process.getuid?.() === 0 ? { as: NOBODY } : {});
        assert.equal(run.code, 2, run.stderr);
        assert.match(run.stderr, /cannot be read \(permission denied\)/);
        assertNoStackTrace(run);
    });

    it("completes after a byte order mark and lone CR line breaks as the editor sees them", async () => {
        const bom = path.join(directory, "bom.py");
        await writeFile(bom, "\uFEFFdef add(a, b):\n");
        const afterBom = await runCli(complete(bom, 2, 1));
        assert.equal(afterBom.code, 0, afterBom.stderr);
        assert.equal(afterBom.stdout, "    return a + b");
        const lonely = path.join(directory, "cr.py");
        await writeFile(lonely, "x = 1\rdef add(a, b):\r");
        const afterCr = await runCli(complete(lonely, 3, 1));
        assert.equal(afterCr.code, 0, afterCr.stderr);
        assert.equal(afterCr.stdout, "    return a + b");
    });

    it("refuses a column inside a surrogate pair", async () => {
        const emoji = path.join(directory, "emoji.py");
        await writeFile(emoji, 's = "🙂"\n');
        const run = await runCli(complete(emoji, 1, 7));
        assert.equal(run.code, 2);
        assert.match(run.stderr, /--column 7 is inside a character of line 1 .*use column 6 or 8/);
    });

    it("shows control characters in paths as escapes, so no line can be forged", async () => {
        const forged = path.join(directory, "a\u001b[31mred\nphi2-complete: all good.gguf");
        const run = await runCli(["complete", "--model", forged, "--file", forged, "--line", "1", "--column", "1"]);
        assert.equal(run.code, 2);
        assert.doesNotMatch(run.stderr, /\u001b/);
        assert.equal(run.stderr.split("\n").filter((line) => line.startsWith("phi2-complete:")).length, 1, run.stderr);
        assert.match(run.stderr, /a\\x1b\[31mred\\nphi2-complete: all good\.gguf does not exist/);
    });

    it("bounds --threads", async () => {
        const file = path.join(directory, "small.py");
        await writeFile(file, "x = 1\n");
        const run = await runCli(complete(file, 1, 1, "--threads", "99999999999"));
        assert.equal(run.code, 2);
        assert.match(run.stderr, /--threads must be at most 256, got 99999999999/);
    });
});
