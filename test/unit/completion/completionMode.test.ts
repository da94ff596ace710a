import * as assert from "node:assert/strict";
import { chooseCompletionMode } from "../../../src/core/completion/completionMode";
import { createTextSnapshot } from "../../../src/core/python/textSnapshot";

/** The mode at the `|` marker of a source text. */
function modeAt(source: string, setting: "auto" | "always" | "never" = "auto"): string {
    const lines = source.split("\n");
    const line = lines.findIndex((text) => text.includes("|"));
    const character = lines[line]!.indexOf("|");
    lines[line] = lines[line]!.replace("|", "");
    const decision = chooseCompletionMode(createTextSnapshot(lines.join("\n")), { line, character }, setting);
    return `${decision.mode}:${decision.because}`;
}

describe("completion mode", () => {
    it("is multi-line after a `:` and a newline (the cursor opens a block)", () => {
        assert.equal(modeAt("def add(a, b):\n    |"), "multiLine:opensBlock");
        assert.equal(modeAt("for x in xs:  # each\n        |\nprint(1)"), "multiLine:opensBlock");
        assert.equal(modeAt("def add(a, b):|"), "multiLine:opensBlock", "at the end of the line, before Enter");
    });

    it("is multi-line right after an opening docstring quote", () => {
        assert.equal(modeAt('def add(a, b):\n    """|'), "multiLine:docstring");
        assert.equal(modeAt("def add(a, b):\n    '''|"), "multiLine:docstring");
    });

    it("is multi-line in an empty rest of a body after its docstring, and at top level", () => {
        assert.equal(modeAt('def add(a, b):\n    """Add."""\n    |\n\ndef other():\n    pass'), "multiLine:emptyBody");
        assert.equal(modeAt("import os\n\n|"), "multiLine:emptyBody");
    });

    it("is single-line inside a line or with text after the cursor", () => {
        assert.equal(modeAt("def add(a, b):\n    return |"), "singleLine:insideLine");
        assert.equal(modeAt("print(|)"), "singleLine:textAfterCursor");
        assert.equal(modeAt('x = """abc"""|'), "singleLine:insideLine");
    });

    it("is single-line on a blank line in the middle of a body that continues", () => {
        assert.equal(modeAt("def f():\n    a = 1\n    |\n    return a"), "singleLine:insideLine");
    });

    it("follows the setting, except that text after the cursor always means single line", () => {
        assert.equal(modeAt("def f():\n    a = 1\n    |\n    return a", "always"), "multiLine:setting");
        assert.equal(modeAt("def add(a, b):\n    |", "never"), "singleLine:setting");
        assert.equal(modeAt("print(|)", "always"), "singleLine:textAfterCursor");
    });
});
