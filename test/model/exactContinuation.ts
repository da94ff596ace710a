// The exact-text check both backends (local host, llama-server) pass on the scripted tiny model:
// after a prefix of SCRIPTS.exactText the rest comes back byte for byte, streamed in chunks that
// add up to it without a broken character.
import assert from "node:assert/strict";
import type { TextGenerator } from "../../src/core/textGenerator";
import { SCRIPTS } from "../support/tinyModels";

/** Prefixes ending before ` !=`, before ` .`, before a tab and inside a multi-byte character run. */
export const EXACT_TEXT_SPLITS = ["if x", "if x != y:\n    from", "if x != y:\n    from . import a\n", 'if x != y:\n    from . import a\n\tpass\ns = "h'];

export async function assertExactContinuation(generator: TextGenerator, sequenceKey: string, split: string): Promise<void> {
    const streamed: string[] = [];
    const result = await generator.generate({ sequenceKey, prompt: split, maxTokens: 60, onText: (chunk) => void streamed.push(chunk) });
    assert.equal(result.text, SCRIPTS.exactText.slice(split.length));
    assert.equal(result.stopReason, "eos");
    assert.equal(streamed.join(""), result.text);
    for (const chunk of streamed) assert.ok(!chunk.includes("\uFFFD"), `chunk ${JSON.stringify(chunk)} holds a broken character`);
}
