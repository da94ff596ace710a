import * as assert from "node:assert/strict";
import { createTextSnapshot, detectIndentStyle } from "../../../src/core/python/textSnapshot";
import { UsageError, integerFlag, parseFlags } from "../../../src/cli/cliArguments";

describe("text snapshot", () => {
    it("splits lines without their endings and remembers CRLF", () => {
        const document = createTextSnapshot("a\r\nb\r\n");
        assert.equal(document.lineCount, 3);
        assert.equal(document.lineAt(1), "b");
        assert.equal(document.lineAt(2), "");
        assert.equal(document.eol, "\r\n");
        assert.throws(() => document.lineAt(3), RangeError);
    });

    it("reads a lone CR as a line break and leaves a byte order mark out, as VS Code does", () => {
        const document = createTextSnapshot("\uFEFFdef f():\r    pass\rx = 1");
        assert.equal(document.lineCount, 3);
        assert.equal(document.lineAt(0), "def f():");
        assert.equal(document.lineAt(1), "    pass");
        assert.equal(document.eol, "\n");
        assert.equal(createTextSnapshot("a\uFEFF").lineAt(0), "a\uFEFF", "only a leading BOM is dropped");
    });

    it("detects tab indentation only when tabs dominate", () => {
        assert.deepEqual(detectIndentStyle(["def f():", "\tpass", "\treturn"]), { insertSpaces: false, tabSize: 4 });
        assert.deepEqual(detectIndentStyle(["def f():", "    pass", "\tx"]), { insertSpaces: true, tabSize: 4 });
        assert.deepEqual(detectIndentStyle(["x = 1"]), { insertSpaces: true, tabSize: 4 });
    });
});

describe("CLI flags", () => {
    const spec = { model: "string", json: "boolean", line: "string" } as const;

    it("parses --name value, --name=value and boolean flags", () => {
        assert.deepEqual(parseFlags(["--model", "m.gguf", "--json", "--line=3"], spec), { model: "m.gguf", json: true, line: "3" });
    });

    it("rejects unknown flags, stray arguments, missing values and values on booleans", () => {
        assert.throws(() => parseFlags(["--nope"], spec), UsageError);
        assert.throws(() => parseFlags(["file.py"], spec), /Unexpected argument/);
        assert.throws(() => parseFlags(["--model"], spec), /needs a value/);
        assert.throws(() => parseFlags(["--model", "--json"], spec), /needs a value/);
        assert.throws(() => parseFlags(["--json=yes"], spec), /takes no value/);
    });

    it("reads whole numbers within bounds, with defaults", () => {
        assert.equal(integerFlag("line", "12", 1), 12);
        assert.equal(integerFlag("threads", undefined, 1, 3), 3);
        assert.throws(() => integerFlag("line", "0", 1), /at least 1/);
        assert.throws(() => integerFlag("line", "1.5", 1), /whole number/);
        assert.throws(() => integerFlag("line", undefined, 1), /required/);
    });
});
