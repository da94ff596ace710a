import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { checkGgufHeader, validateModelFile } from "../../../src/modelFile/validateModelFile";
import { GgufWriter } from "../../support/gguf/GgufWriter";

function ggufWith(architecture: string): Buffer {
    return new GgufWriter()
        .setString("general.architecture", architecture)
        .setUint32(`${architecture}.context_length`, 2048)
        .addTensor({ name: "t", dims: [2], type: "f32", data: Float32Array.of(1, 2) })
        .toBuffer();
}

describe("validateModelFile (the check before a picked file replaces the setting)", () => {
    it("accepts a phi2 GGUF and names its architecture", () => {
        assert.deepEqual(checkGgufHeader(ggufWith("phi2"), "m.gguf"), { ok: true, architecture: "phi2" });
    });

    it("finds the architecture after array keys", () => {
        const file = new GgufWriter()
            .set("tokenizer.ggml.tokens", { type: "array", itemType: "string", value: ["a", "bb", "ccc"] })
            .set("tokenizer.ggml.token_type", { type: "array", itemType: "int32", value: [1, 1, 3] })
            .setString("general.architecture", "phi2")
            .toBuffer();
        assert.deepEqual(checkGgufHeader(file, "m.gguf"), { ok: true, architecture: "phi2" });
    });

    it("refuses another architecture, naming it", () => {
        const check = checkGgufHeader(ggufWith("llama"), "m.gguf");
        assert.equal(check.ok, false);
        assert.match(!check.ok ? check.reason : "", /"llama" model, not Phi-2/);
    });

    it("refuses an empty file, a Python file and random bytes", () => {
        for (const bytes of [Buffer.alloc(0), Buffer.from("import os\nprint('hello world, this is python')\n"), Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256))]) {
            const check = checkGgufHeader(bytes, "x");
            assert.equal(check.ok, false);
            assert.match(!check.ok ? check.reason : "", /not a GGUF model file/);
        }
    });

    it("refuses an unknown version and impossible counts", () => {
        const file = ggufWith("phi2");
        const version = Buffer.from(file);
        version.writeUInt32LE(9, 4);
        assert.match((checkGgufHeader(version, "x") as { reason: string }).reason, /version 9/);
        const counts = Buffer.from(file);
        counts.writeBigUInt64LE(2n ** 40n, 16);
        assert.match((checkGgufHeader(counts, "x") as { reason: string }).reason, /impossible header/);
    });

    it("reads the file from disk and reports a missing one", async () => {
        const folder = fs.mkdtempSync(path.join(os.tmpdir(), "phi2-validate-"));
        try {
            fs.writeFileSync(path.join(folder, "ok.gguf"), ggufWith("phi2"));
            assert.equal((await validateModelFile(path.join(folder, "ok.gguf"))).ok, true);
            const missing = await validateModelFile(path.join(folder, "missing.gguf"));
            assert.equal(missing.ok, false);
            assert.match(!missing.ok ? missing.reason : "", /cannot be read/);
        } finally {
            fs.rmSync(folder, { recursive: true, force: true });
        }
    });
});
