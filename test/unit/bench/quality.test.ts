// Pure parts of the quality benchmark: scoring, the simulated user's partial accepts, spots, split.
import * as assert from "node:assert/strict";
import { firstLine, normalizeBlock } from "../../../src/bench/quality/measureQuality";
import { editSimilarity, levenshteinDistance } from "../../../src/bench/quality/editSimilarity";
import { pickCrossFileSpots, pickSpots } from "../../../src/bench/quality/qualitySpots";
import { selectVariants } from "../../../src/bench/quality/qualityVariants";
import { isHeldOutFile } from "../../../src/bench/quality/stdlibCorpus";
import { SeededRandom } from "../../../src/bench/seededRandom";
import { keystrokesToType, matchingPart } from "../../../src/bench/Typist";

describe("quality benchmark: edit similarity", () => {
    it("is 1 for equal texts, 0 against an empty text, 1 - distance / longer length otherwise", () => {
        assert.equal(levenshteinDistance("kitten", "sitting"), 3);
        assert.equal(levenshteinDistance("", "abc"), 3);
        assert.equal(editSimilarity("return x", "return x"), 1);
        assert.equal(editSimilarity("", ""), 1);
        assert.equal(editSimilarity("", "return x"), 0);
        assert.equal(editSimilarity("return y", "return x"), 1 - 1 / 8);
    });

    it("compares the first line and whole blocks without trailing whitespace", () => {
        assert.equal(firstLine("a = 1  \nb = 2"), "a = 1");
        assert.equal(normalizeBlock("a = 1 \n    b = 2\n\n"), "a = 1\n    b = 2");
    });
});

describe("quality benchmark: the user who accepts what matches", () => {
    it("accepts the first line of a longer suggestion when it matches, without the line break", () => {
        assert.deepEqual(matchingPart("x = 1\ny = 3", "x = 1\ny = 2\n"), { text: "x = 1", keystrokes: 1 });
    });

    it("accepts whole words, one keystroke each, when only they match", () => {
        assert.deepEqual(matchingPart("self.name = value", "self.name = other"), { text: "self.name", keystrokes: 2 });
    });

    it("accepts nothing that does not save a keystroke or does not match", () => {
        assert.equal(matchingPart("a + b", "a - b"), undefined); // "a" alone: one keystroke for one character
        assert.equal(matchingPart("foo", "bar"), undefined);
        assert.equal(matchingPart("x.y", "x.z"), undefined); // "x": no keystroke saved
    });

    it("counts one keystroke per character, Enter with its indentation as one", () => {
        assert.equal(keystrokesToType("ab"), 2);
        assert.equal(keystrokesToType("if x:\n    y"), "if x:".length + 1 + 1);
        assert.equal(keystrokesToType("f(a)"), 4); // the closer is typed over, still a keystroke
    });
});

describe("quality benchmark: spots", () => {
    const file = {
        path: "/lib/sample.py",
        lines: [
            "import os",
            "",
            "def walk(root, verbose=False):",
            "    total = 0",
            "    for name in os.listdir(root):",
            "        total += len(name)",
            "        if verbose:",
            "            print(name)",
            "    return total",
            "",
        ],
    };

    it("a line spot removes the rest of a body line and expects it", () => {
        for (const spot of pickSpots([file], "line", 5, new SeededRandom(3))) {
            const original = file.lines[spot.line]!;
            assert.ok(spot.line > 2 && spot.line < 9, `line ${spot.line} is in the body`);
            assert.equal(spot.lines[spot.line]! + spot.expected, original);
            assert.ok(spot.expected.length >= 2 && spot.lines[spot.line]!.trim().length >= 2);
            assert.deepEqual(spot.lines.filter((_, index) => index !== spot.line), file.lines.filter((_, index) => index !== spot.line));
        }
    });

    it("a block spot leaves the header and an indented empty line, and expects the body", () => {
        const spots = pickSpots([file], "block", 5, new SeededRandom(3));
        assert.deepEqual(spots.map((spot) => spot.line).sort(), [5, 7]);
        const forBody = spots.find((spot) => spot.line === 5)!;
        assert.equal(forBody.expected, "total += len(name)\n        if verbose:\n            print(name)");
        assert.deepEqual(forBody.lines, [...file.lines.slice(0, 5), "        ", "    return total", ""]);
        assert.equal(forBody.character, 8);
    });

    it("a cross-file spot puts the cursor right before a use of an imported name, and only there", () => {
        const spots = pickCrossFileSpots([file], 5, new SeededRandom(3), () => new Set(["os"]));
        assert.equal(spots.length, 1, "one body line uses os");
        const [spot] = spots;
        assert.equal(spot!.kind, "crossFile");
        assert.equal(spot!.line, 4);
        assert.equal(spot!.lines[4], "    for name in ");
        assert.equal(spot!.expected, "os.listdir(root):");
        assert.deepEqual(pickCrossFileSpots([file], 5, new SeededRandom(3), () => new Set(["json"])), []);
        // A rest of line that opens what a later line closes is never a spot: removing it would break the code after it.
        const opening = { path: "/lib/open.py", lines: ["import os", "", "def f():", "    text = os.path.join(", "        'a', 'b')", "    note = os.fspath(\"\"\"\\", "    doc\"\"\")", ""] };
        assert.deepEqual(pickCrossFileSpots([opening], 5, new SeededRandom(3), () => new Set(["os"])), []);
        // `import os` on the top line is not a use inside a function.
        assert.ok(spots.every((candidate) => candidate.line !== 0));
    });
});

describe("quality benchmark: corpus split and variants", () => {
    it("holds out a fixed ~1/16 of the files by path", () => {
        assert.equal(isHeldOutFile("contextlib.py"), true);
        assert.equal(isHeldOutFile("os.py"), false);
        const paths = Array.from({ length: 1600 }, (_, index) => `pkg/module${index}.py`);
        const heldOut = paths.filter(isHeldOutFile).length;
        assert.ok(heldOut > 60 && heldOut < 140, `${heldOut} of 1600 held out`);
    });

    it("selects the named variants and always the default one; rejects unknown names", () => {
        assert.deepEqual(selectVariants("guardOff").map((variant) => variant.name), ["default", "guardOff"]);
        assert.throws(() => selectVariants("nope"), /Unknown variant nope/);
    });
});
