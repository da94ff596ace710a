import assert from "node:assert/strict";
import { phi2Vocabulary, VOCABULARY_PROBE_TEXT, vocabularyMismatch } from "../../../src/serverClient/phi2ServerVocabulary";
import { loadPhi2Vocabulary } from "../../support/gguf/phi2Vocabulary";

describe("the server client's Phi-2 vocabulary", () => {
    it("decodes the same bytes as the table the test models are written from", () => {
        const written = loadPhi2Vocabulary();
        const vocabulary = phi2Vocabulary();
        for (const id of [0, 220, 1223, 50256, 50257, 50286, 50287, 50294, 50295, 51199]) {
            const expected = written.tokenTypes[id] === 3 || written.tokenTypes[id] === 5 ? "" : undefined;
            const decoded = vocabulary.decode([id]);
            if (expected !== undefined) assert.equal(decoded, expected, `id ${id}`);
            else assert.ok(decoded.length > 0, `id ${id}`);
        }
        assert.equal(vocabulary.decode([50257]), " ".repeat(31));
        assert.equal(vocabulary.decode([50287]), "\t".repeat(9));
    });

    it("accepts a server whose pieces match, byte tokens included", () => {
        const vocabulary = phi2Vocabulary();
        // " !=" is 14512 in GPT-2; "🙂" is split over byte tokens (given as byte arrays by the server).
        const pieces = [{ id: 14512, piece: " !=" }, { id: 50258, piece: " ".repeat(30) }, { id: 8582, piece: Array.from(vocabulary.bytesOf(8582)) }];
        assert.equal(vocabularyMismatch(51200, pieces), undefined);
    });

    it("refuses another vocabulary size", () => {
        assert.match(vocabularyMismatch(32000, [{ id: 1, piece: "x" }]) ?? "", /32000 tokens/);
    });

    it("refuses a piece that differs from Phi-2's", () => {
        assert.match(vocabularyMismatch(51200, [{ id: 14512, piece: "!=" }]) ?? "", /token 14512/);
    });

    it("refuses an empty probe answer", () => {
        assert.ok(vocabularyMismatch(51200, []));
    });

    it("probes the text kinds that llama.cpp's detokenizer gets wrong", () => {
        for (const part of [" != ", " . import", "\t\t", "🙂"]) assert.ok(VOCABULARY_PROBE_TEXT.includes(part), part);
    });
});
