// A valid model followed by 4 GiB of zeros (a sparse file: no disk used): the header validation and
// llama.cpp never read past the tensor data, so it loads and completes with the host's memory where
// the plain model puts it (on landed main before the validation it cost 4.4 GB RSS).
import assert from "node:assert/strict";
import { copyFile, mkdtemp, open, rm, stat } from "node:fs/promises";
import * as os from "node:os";
import * as path from "node:path";
import { ModelHostClient } from "../../src/hostClient/ModelHostClient";
import { ensureScriptedModel, SCRIPTS } from "../support/tinyModels";
import { HOST_SCRIPT, loadParams, requireBuiltHost } from "./hostHarness";

const TRAILING_BYTES = 4 * 1024 ** 3;
/** The tiny model's host holds ~250 MB; reading the zeros would add 4 GiB. */
const HOST_RSS_BOUND_BYTES = 1024 ** 3;

describe("a valid model followed by 4 GiB of zeros", function () {
    this.timeout(120_000);
    let directory: string;

    before(async () => {
        requireBuiltHost();
        directory = await mkdtemp(path.join(os.tmpdir(), "phi2-trailing-"));
    });

    after(async () => {
        await rm(directory, { recursive: true, force: true });
    });

    it("loads and completes without reading the zeros", async () => {
        const model = path.join(directory, "padded.gguf");
        await copyFile(await ensureScriptedModel(SCRIPTS.add), model);
        const size = (await stat(model)).size;
        const handle = await open(model, "r+");
        await handle.truncate(size + TRAILING_BYTES);
        await handle.close();
        const client = new ModelHostClient({ hostScriptPath: HOST_SCRIPT, restart: { enabled: false } });
        try {
            await client.load(loadParams(model, { sequences: 1 }));
            const result = await client.generate({ sequenceKey: "a", prompt: "def add(a, b):\n", maxTokens: 8 });
            assert.match(result.text, /^ {4}return a \+ b/);
            const { rssBytes } = await client.stats();
            console.log(`      file ${((size + TRAILING_BYTES) / 1024 ** 3).toFixed(2)} GiB, host RSS ${(rssBytes / 1e6).toFixed(0)} MB`);
            assert.ok(rssBytes < HOST_RSS_BOUND_BYTES, `host RSS ${(rssBytes / 1e6).toFixed(0)} MB`);
        } finally {
            client.dispose();
        }
    });
});
