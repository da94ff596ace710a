import * as assert from "node:assert/strict";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { float16BitsToFloat32, float32ToFloat16Bits } from "../../support/gguf/float16";
import { readGguf } from "../../support/gguf/GgufReader";
import { GgufWriter, writeFileAtomically } from "../../support/gguf/GgufWriter";

describe("GgufWriter", () => {
    it("writes the exact v3 byte layout of a small file", () => {
        const file = new GgufWriter()
            .setUint32("n", 7)
            .addTensor({ name: "t", dims: [2], type: "f32", data: Float32Array.of(1.5, -2) })
            .toBuffer();
        const expectedHeader = Buffer.concat([
            Buffer.from("GGUF", "ascii"),
            u32(3), u64(1), u64(1),
            u64(1), Buffer.from("n"), u32(4 /* uint32 */), u32(7),
            u64(1), Buffer.from("t"), u32(1), u64(2), u32(0 /* f32 */), u64(0),
        ]);
        assert.deepEqual(file.subarray(0, expectedHeader.length), expectedHeader);
        // Zero padding up to the 32-byte aligned data section, then the tensor, padded again.
        assert.equal(expectedHeader.length, 74);
        assert.ok(file.subarray(74, 96).every((byte) => byte === 0));
        assert.equal(file.readFloatLE(96), 1.5);
        assert.equal(file.readFloatLE(100), -2);
        assert.equal(file.length, 128);
    });

    it("round-trips typed metadata and arrays through the reader", () => {
        const writer = new GgufWriter()
            .set("u8", { type: "uint8", value: 255 })
            .set("i8", { type: "int8", value: -128 })
            .set("u16", { type: "uint16", value: 65535 })
            .set("i16", { type: "int16", value: -32768 })
            .setUint32("u32", 4294967295)
            .set("i32", { type: "int32", value: -5 })
            .setFloat32("f32", 0.25)
            .set("f64", { type: "float64", value: Math.PI })
            .set("u64", { type: "uint64", value: 2n ** 63n })
            .set("i64", { type: "int64", value: -(2n ** 40n) })
            .setBool("yes", true)
            .setString("text", "héllo ✓ 🙂")
            .setStringArray("strings", ["", "a", "  spaces  ", "\t", "🙂"])
            .setInt32Array("ints", Int32Array.of(-1, 0, 2147483647))
            .setFloat32Array("floats", [1.5, -0.125])
            .set("bools", { type: "array", itemType: "bool", value: [true, false] })
            .set("longs", { type: "array", itemType: "uint64", value: [1n, 2n ** 50n] });
        const file = readGguf(writer.toBuffer());

        assert.equal(file.version, 3);
        const value = (key: string): unknown => {
            const entry = file.metadata.get(key);
            assert.ok(entry, `missing ${key}`);
            return entry.type === "array" ? [entry.itemType, Array.from(entry.value as ArrayLike<unknown>)] : [entry.type, entry.value];
        };
        assert.deepEqual(value("u8"), ["uint8", 255]);
        assert.deepEqual(value("i8"), ["int8", -128]);
        assert.deepEqual(value("u16"), ["uint16", 65535]);
        assert.deepEqual(value("i16"), ["int16", -32768]);
        assert.deepEqual(value("u32"), ["uint32", 4294967295]);
        assert.deepEqual(value("i32"), ["int32", -5]);
        assert.deepEqual(value("f32"), ["float32", 0.25]);
        assert.deepEqual(value("f64"), ["float64", Math.PI]);
        assert.deepEqual(value("u64"), ["uint64", 2n ** 63n]);
        assert.deepEqual(value("i64"), ["int64", -(2n ** 40n)]);
        assert.deepEqual(value("yes"), ["bool", true]);
        assert.deepEqual(value("text"), ["string", "héllo ✓ 🙂"]);
        assert.deepEqual(value("strings"), ["string", ["", "a", "  spaces  ", "\t", "🙂"]]);
        assert.deepEqual(value("ints"), ["int32", [-1, 0, 2147483647]]);
        assert.deepEqual(value("floats"), ["float32", [1.5, -0.125]]);
        assert.deepEqual(value("bools"), ["bool", [true, false]]);
        assert.deepEqual(value("longs"), ["uint64", [1n, 2n ** 50n]]);
        assert.deepEqual([...file.metadata.keys()].slice(0, 3), ["u8", "i8", "u16"], "metadata keeps insertion order");
    });

    it("aligns every tensor to 32 bytes and round-trips f32 and f16 data", () => {
        const odd = Float32Array.of(1, -2, 3.25); // 12 bytes as f32, 6 as f16: forces padding
        const matrix = Float32Array.from({ length: 5 * 3 }, (_, i) => i / 4 - 1);
        const writer = new GgufWriter()
            .setString("general.architecture", "test")
            .addTensor({ name: "a.f32", dims: [3], type: "f32", data: odd })
            .addTensor({ name: "b.f16", dims: [3], type: "f16", data: odd })
            .addTensor({ name: "c.matrix", dims: [5, 3], type: "f16", data: matrix })
            .addTensor({ name: "d.last", dims: [1], type: "f32", data: Float32Array.of(42) });
        const buffer = writer.toBuffer();
        const file = readGguf(buffer);

        assert.equal(file.alignment, 32);
        assert.equal(file.dataOffset % 32, 0);
        assert.equal(buffer.length % 32, 0);
        assert.deepEqual(file.tensors.map((tensor) => tensor.relativeOffset), [0, 32, 64, 96]);
        for (const tensor of file.tensors) assert.equal(tensor.fileOffset % 32, 0, tensor.name);
        assert.deepEqual(file.tensors.map((tensor) => [tensor.name, tensor.type, tensor.dims]), [
            ["a.f32", "f32", [3]], ["b.f16", "f16", [3]], ["c.matrix", "f16", [5, 3]], ["d.last", "f32", [1]],
        ]);
        assert.deepEqual(Array.from(file.readTensor("a.f32")), [1, -2, 3.25]);
        assert.deepEqual(Array.from(file.readTensor("b.f16")), [1, -2, 3.25]);
        assert.deepEqual(Array.from(file.readTensor("c.matrix")), Array.from(matrix)); // quarters are exact in f16
        assert.deepEqual(Array.from(file.readTensor("d.last")), [42]);
        // Padding between tensors is zeros.
        const afterFirst = file.tensors[0].fileOffset + 12;
        assert.ok(buffer.subarray(afterFirst, file.tensors[1].fileOffset).every((byte) => byte === 0));
    });

    it("honours a custom alignment and records it as general.alignment", () => {
        const file = readGguf(new GgufWriter(64)
            .addTensor({ name: "x", dims: [1], type: "f32", data: Float32Array.of(1) })
            .addTensor({ name: "y", dims: [1], type: "f32", data: Float32Array.of(2) })
            .toBuffer());
        assert.deepEqual(file.metadata.get("general.alignment"), { type: "uint32", value: 64 });
        assert.equal(file.alignment, 64);
        assert.equal(file.dataOffset % 64, 0);
        assert.deepEqual(file.tensors.map((tensor) => tensor.relativeOffset), [0, 64]);
        assert.deepEqual(Array.from(file.readTensor("y")), [2]);
    });

    it("rejects tensors whose dims do not match the data, duplicates and out-of-range integers", () => {
        const writer = new GgufWriter();
        assert.throws(() => writer.addTensor({ name: "bad", dims: [2, 2], type: "f32", data: new Float32Array(3) }), /dims \[2, 2\] hold 4 values, data has 3/);
        assert.throws(() => writer.addTensor({ name: "zero", dims: [0], type: "f32", data: new Float32Array(0) }), /positive dims/);
        writer.addTensor({ name: "once", dims: [1], type: "f32", data: new Float32Array(1) });
        assert.throws(() => writer.addTensor({ name: "once", dims: [1], type: "f32", data: new Float32Array(1) }), /added twice/);
        assert.throws(() => writer.setUint32("negative", -1), /not a valid uint32/);
        assert.throws(() => writer.set("fraction", { type: "int32", value: 1.5 }), /not a valid int32/);
        assert.throws(() => new GgufWriter(12), /multiple of 8/);
    });

    it("reader rejects other files clearly", () => {
        assert.throws(() => readGguf(Buffer.from("GGML0000")), /bad magic/);
        const v2 = Buffer.concat([Buffer.from("GGUF"), u32(2), u64(0), u64(0)]);
        assert.throws(() => readGguf(v2), /version 2/);
        const truncated = new GgufWriter().setString("k", "value").toBuffer().subarray(0, 30);
        assert.throws(() => readGguf(truncated), /truncated/);
    });
});

describe("float16 conversion", () => {
    const cases: [number, number][] = [
        [0, 0x0000], [-0, 0x8000], [1, 0x3c00], [-2, 0xc000], [0.5, 0x3800], [65504, 0x7bff],
        [65520, 0x7c00] /* rounds up to infinity */, [Infinity, 0x7c00], [-Infinity, 0xfc00],
        [2 ** -14, 0x0400] /* smallest normal */, [2 ** -24, 0x0001] /* smallest subnormal */, [2 ** -26, 0x0000],
        [1 + 2 ** -11, 0x3c00] /* tie -> even */, [1 + 3 * 2 ** -11, 0x3c02] /* tie -> even (up) */, [1 + 2 ** -10, 0x3c01],
        [3 * 2 ** -25, 0x0002] /* subnormal tie -> even */,
    ];
    for (const [value, bits] of cases) {
        it(`${value} <-> 0x${bits.toString(16).padStart(4, "0")}`, () => {
            assert.equal(float32ToFloat16Bits(value), bits);
            if (Math.abs(value) <= 65504 && value !== 1 + 2 ** -11 && value !== 1 + 3 * 2 ** -11 && value !== 2 ** -26 && value !== 3 * 2 ** -25) {
                assert.equal(float16BitsToFloat32(bits), value);
            }
        });
    }
    it("keeps NaN a NaN", () => {
        assert.ok(Number.isNaN(float16BitsToFloat32(float32ToFloat16Bits(NaN))));
    });
});

describe("writeFileAtomically", () => {
    it("writes the contents and leaves no temporary file behind", async () => {
        const folder = await mkdtemp(join(tmpdir(), "gguf-atomic-"));
        try {
            const path = join(folder, "model.gguf");
            await writeFileAtomically(path, Buffer.from("first"));
            await writeFileAtomically(path, Buffer.from("second"));
            assert.equal(await readFile(path, "utf8"), "second");
            assert.deepEqual(await readdir(folder), ["model.gguf"]);
        } finally {
            await rm(folder, { recursive: true, force: true });
        }
    });
});

function u32(value: number): Buffer {
    const buffer = Buffer.alloc(4);
    buffer.writeUInt32LE(value);
    return buffer;
}

function u64(value: number): Buffer {
    const buffer = Buffer.alloc(8);
    buffer.writeBigUInt64LE(BigInt(value));
    return buffer;
}
