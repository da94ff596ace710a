import assert from "node:assert/strict";
import { StopStringMatcher } from "../../../src/core/decoding/StopStringMatcher";

function run(stopStrings: string[], chunks: string[]): { streamed: string[]; stopped: boolean; rest: string } {
    const matcher = new StopStringMatcher(stopStrings);
    const streamed: string[] = [];
    for (const chunk of chunks) {
        const scan = matcher.push(chunk);
        streamed.push(scan.emit);
        if (scan.stopped) return { streamed, stopped: true, rest: "" };
    }
    return { streamed, stopped: false, rest: matcher.flush() };
}

describe("StopStringMatcher", () => {
    it("stops before a stop string inside one chunk", () => {
        assert.deepEqual(run(["\ndef "], ["x = 1\ndef f"]), { streamed: ["x = 1"], stopped: true, rest: "" });
    });

    it("stops before a stop string split across chunks without streaming its start", () => {
        const result = run(["<|endoftext|>"], ["a = 1", "<|end", "oftext|>", "junk"]);
        assert.equal(result.stopped, true);
        assert.equal(result.streamed.join(""), "a = 1");
        assert.ok(!result.streamed.join("").includes("<"));
    });

    it("releases held-back text when it turns out not to be a stop string", () => {
        const result = run(["\n\n\n"], ["a\n", "\n", "b"]);
        assert.equal(result.stopped, false);
        assert.deepEqual(result.streamed, ["a", "", "\n\nb"]);
        assert.equal(result.rest, "");
    });

    it("hands over held-back text when generation ends for another reason", () => {
        const result = run(["Instruct:"], ["x = 1\nInstr"]);
        assert.equal(result.stopped, false);
        assert.equal(result.streamed.join("") + result.rest, "x = 1\nInstr");
    });

    it("uses the earliest of several stop strings and ignores empty ones", () => {
        assert.deepEqual(run(["", "C", "B"], ["aBcC"]), { streamed: ["a"], stopped: true, rest: "" });
    });

    it("streams everything at once without stop strings", () => {
        assert.deepEqual(run([], ["a", "b"]), { streamed: ["a", "b"], stopped: false, rest: "" });
    });
});
