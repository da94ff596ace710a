import assert from "node:assert/strict";
import { errorText } from "../../src/core/errorText";

describe("errorText", () => {
    it("gives an Error's message without its class name or stack", () => {
        assert.equal(errorText(new TypeError("bad input")), "bad input");
    });

    it("gives anything else thrown as String() does", () => {
        assert.equal(errorText("plain text"), "plain text");
        assert.equal(errorText(42), "42");
        assert.equal(errorText(undefined), "undefined");
        assert.equal(errorText({ toString: () => "custom" }), "custom");
    });
});
