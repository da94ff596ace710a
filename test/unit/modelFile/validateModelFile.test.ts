import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { validateModelFile } from "../../../src/modelFile/validateModelFile";
import { GgufWriter } from "../../support/gguf/GgufWriter";
import { ensureRandomModel } from "../../support/tinyModels";

function ggufWith(architecture: string): Buffer {
    return new GgufWriter()
        .setString("general.architecture", architecture)
        .setUint32(`${architecture}.context_length`, 2048)
        .addTensor({ name: "t", dims: [2], type: "f32", data: Float32Array.of(1, 2) })
        .toBuffer();
}

describe("validateModelFile (the host's check, before a picked file replaces the setting)", () => {
    let folder: string;
    const write = (name: string, bytes: Buffer): string => {
        const file = path.join(folder, name);
        fs.writeFileSync(file, bytes);
        return file;
    };
    before(() => (folder = fs.mkdtempSync(path.join(os.tmpdir(), "phi2-validate-"))));
    after(() => fs.rmSync(folder, { recursive: true, force: true }));

    it("accepts a phi2 GGUF the model host would load", async () => {
        assert.deepEqual(await validateModelFile(await ensureRandomModel()), { ok: true, architecture: "phi2" });
    });

    it("refuses another architecture, naming it", async () => {
        const check = await validateModelFile(write("llama.gguf", ggufWith("llama")));
        assert.equal(check.ok, false);
        assert.match(!check.ok ? check.reason : "", /llama/);
    });

    it("refuses an empty file, a Python file and random bytes as not GGUF", async () => {
        const samples = [Buffer.alloc(0), Buffer.from("import os\nprint('hello world, this is python')\n"), Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256))];
        for (const [index, bytes] of samples.entries()) {
            const check = await validateModelFile(write(`bad-${index}.gguf`, bytes));
            assert.equal(check.ok, false);
            assert.match(!check.ok ? check.reason : "", /not a valid GGUF file/);
        }
    });

    it("refuses a phi2 header without the model's hyper-parameters and impossible counts", async () => {
        const bare = await validateModelFile(write("bare.gguf", ggufWith("phi2")));
        assert.equal(bare.ok, false);
        const counts = ggufWith("phi2");
        counts.writeBigUInt64LE(2n ** 40n, 16);
        const huge = await validateModelFile(write("counts.gguf", counts));
        assert.equal(huge.ok, false);
    });

    it("reports a missing file", async () => {
        const missing = await validateModelFile(path.join(folder, "missing.gguf"));
        assert.equal(missing.ok, false);
        assert.match(!missing.ok ? missing.reason : "", /does not exist or cannot be read/);
    });
});
