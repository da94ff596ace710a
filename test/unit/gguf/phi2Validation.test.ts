// The GGUF header validation (src/core/gguf) on the tiny Phi-2 and on the hostile variants the
// issue found: each is refused with a message that names what is wrong, before llama.cpp sees it.
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { GgufFormatError, type GgufByteSource } from "../../../src/core/gguf/ggufHeader";
import { Phi2ModelError, readPhi2Model } from "../../../src/core/gguf/phi2Model";
import { mutantSource, targetedMutants, type Mutant } from "../../support/gguf/ggufMutants";
import { ensureRandomModel } from "../../support/tinyModels";

function bufferSource(bytes: Uint8Array): GgufByteSource {
    return { size: bytes.length, read: async (offset, length) => bytes.subarray(offset, offset + length) };
}

describe("Phi-2 GGUF validation", function () {
    this.timeout(60_000);
    let file: Uint8Array;
    let mutants: Map<string, Mutant>;

    before(async () => {
        file = new Uint8Array(await readFile(await ensureRandomModel()));
        mutants = new Map(targetedMutants(file).map((mutant) => [mutant.label, mutant]));
    });

    async function refusal(label: string): Promise<Error> {
        const mutant = mutants.get(label);
        assert.ok(mutant, `no mutant "${label}"`);
        try {
            await readPhi2Model(mutantSource(file, mutant));
        } catch (error) {
            assert.ok(error instanceof GgufFormatError || error instanceof Phi2ModelError, `${label}: ${String(error)}`);
            return error;
        }
        assert.fail(`${label} was accepted`);
    }

    it("accepts the tiny Phi-2 and returns its hyper-parameters and vocabulary", async () => {
        const model = await readPhi2Model(bufferSource(file));
        assert.equal(model.architecture, "phi2");
        assert.deepEqual(
            { ...model.hyperparameters, layerNormEpsilon: Math.round(model.hyperparameters.layerNormEpsilon * 1e9) / 1e9 },
            { contextLength: 2048, embedding: 64, blocks: 2, heads: 4, headsKv: 4, headDim: 16, feedForward: 256, ropeDims: 8, layerNormEpsilon: 1e-5 },
        );
        assert.equal(model.tokens.length, 51_200);
        assert.equal(model.tokens[50_256], "<|endoftext|>");
        assert.equal(model.tokenTypes?.length, 51_200);
    });

    it("ignores trailing bytes after the tensor data without reading them", async () => {
        const reads: [number, number][] = [];
        const longer: GgufByteSource = {
            size: file.length + 4 * 2 ** 30,
            read: async (offset, length) => {
                reads.push([offset, length]);
                return file.subarray(offset, offset + length);
            },
        };
        await readPhi2Model(longer);
        assert.ok(reads.every(([offset]) => offset < 2 * 2 ** 20), `read at ${JSON.stringify(reads)}`);
    });

    const expectations: [string, RegExp][] = [
        ["phi2.rope.dimension_count = 0", /phi2\.rope\.dimension_count is 0; it must be between 1 and 16/],
        ["phi2.rope.dimension_count = 7", /dimension_count is 7; .* must be even/],
        ["phi2.rope.dimension_count = 1000", /dimension_count is 1000; it must be between 1 and 16/],
        ["phi2.block_count = 0", /phi2\.block_count is 0/],
        ["phi2.block_count = 1000000", /phi2\.block_count is 1000000; it must be between 1 and 1024/],
        ["phi2.block_count = 3", /"blk\.2\.attn_norm\.weight" is missing/],
        ["phi2.embedding_length = 0", /phi2\.embedding_length is 0/],
        ["phi2.feed_forward_length = 0", /phi2\.feed_forward_length is 0/],
        ["layer_norm_epsilon = NaN", /layer_norm_epsilon is NaN, not a finite number/],
        ["tokenizer model \"llam\"", /tokenizer is "llam"; Phi-2 uses the GPT-2 tokenizer/],
        ["tokenizer.ggml.token_type length 9223372036854775808", /length of the array "tokenizer\.ggml\.token_type" is beyond 2\^53, more than the rest of the file can hold/],
        ["token_embd.weight name length 0", /has an empty name/],
        ["token_embd.weight name length 2147483648", /name of tensor description 1 of 25 is 2147483648, more than the rest of the file/],
        ["token_embd.weight name length 64", /is 64 bytes long, more than the 63 allowed/],
        ["tokenizer.ggml.token_type item type 6", /token_type must be an array of int32/],
        ["architecture \"llam\"", /"llam" model, not Phi-2/],
        ["architecture \"\u001b[31\"", /"\?\[31" model/],
        ["tensor count 0", /"token_embd\.weight" is missing/],
        ["tensor count 9223372036854775808", /tensor count is beyond 2\^53, more than the rest of the file can hold/],
        ["blk.0.attn_qkv.weight dim1 = 65", /"blk\.0\.attn_qkv\.bias" starts at data offset 13362176, but the tensors before it end at 13329664/],
        ["blk.0.ffn_up.weight dims swapped", /"blk\.0\.ffn_up\.weight" has shape \[256, 64\]; the hyper-parameters make it \[64, 256\]/],
        ["output.weight offset + 1", /starts at data offset/],
        ["output_norm.bias (a vector) element type 1", /"output\.weight" starts at data offset/],
        ["tokenizer.ggml.eos_token_id = 51200", /eos_token_id is 51200, outside the vocabulary/],
    ];
    for (const [label, message] of expectations) {
        it(`refuses ${label}`, async () => {
            assert.match((await refusal(label)).message, message);
        });
    }

    it("calls another architecture wrongArchitecture and the rest invalid", async () => {
        assert.equal(((await refusal("architecture \"phi3\"")) as Phi2ModelError).kind, "wrongArchitecture");
        assert.equal(((await refusal("phi2.rope.dimension_count = 0")) as Phi2ModelError).kind, "invalid");
    });

    it("calls a truncated file truncated", async () => {
        await assert.rejects(readPhi2Model(bufferSource(file.subarray(0, 100_000))), /"tokenizer\.ggml\.tokens" is 51200, more than the rest of the file can hold \(it is truncated or corrupt\)/);
        await assert.rejects(readPhi2Model(bufferSource(file.subarray(0, file.length - 1))), /past the end of the file .*truncated/);
        await assert.rejects(readPhi2Model(bufferSource(file.subarray(0, 10))), /too few for a GGUF header/);
    });
});
