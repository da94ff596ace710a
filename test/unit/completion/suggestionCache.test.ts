import * as assert from "node:assert/strict";
import { SuggestionCache, typedAheadRemainder } from "../../../src/core/completion/suggestionCache";

describe("suggestion cache", () => {
    it("typedAheadRemainder serves the rest when the user typed a start of the suggestion", () => {
        assert.equal(typedAheadRemainder("def f():\n    ", "return a + b", "def f():\n    ret"), "urn a + b");
        assert.equal(typedAheadRemainder("p", "abc", "p"), "abc");
    });

    it("typedAheadRemainder refuses diverging text, a shorter prompt, a different prefix and a fully typed suggestion", () => {
        assert.equal(typedAheadRemainder("def f():\n    ", "return a + b", "def f():\n    rex"), undefined);
        assert.equal(typedAheadRemainder("def f():\n    ", "return a + b", "def f():\n"), undefined);
        assert.equal(typedAheadRemainder("def g():\n    ", "return a + b", "def f():\n    ret"), undefined);
        assert.equal(typedAheadRemainder("x = ", "1", "x = 1"), undefined);
        assert.equal(typedAheadRemainder("x = ", "1 ", "x = 1"), undefined, "only whitespace left");
    });

    it("returns an exact hit for the same prompt (backspace and retype)", () => {
        const cache = new SuggestionCache(10);
        cache.store({ uri: "a.py", prompt: "x = f(", text: "1, 2)", mode: "singleLine" });
        const hit = cache.lookup("a.py", "x = f(");
        assert.equal(hit?.remaining, "1, 2)");
        assert.equal(hit?.typed, "");
    });

    it("returns the typed-ahead remainder from the closest entry", () => {
        const cache = new SuggestionCache(10);
        cache.store({ uri: "a.py", prompt: "x = ", text: "compute(1, 2)", mode: "singleLine" });
        cache.store({ uri: "a.py", prompt: "x = comp", text: "ute(1, 3)", mode: "singleLine" });
        const hit = cache.lookup("a.py", "x = compu");
        assert.equal(hit?.remaining, "te(1, 3)");
        assert.equal(hit?.typed, "u");
    });

    it("keeps documents apart and misses on unrelated prompts", () => {
        const cache = new SuggestionCache(10);
        cache.store({ uri: "a.py", prompt: "x = ", text: "1", mode: "singleLine" });
        assert.equal(cache.lookup("b.py", "x = "), undefined);
        assert.equal(cache.lookup("a.py", "y = "), undefined);
    });

    it("is bounded and evicts the least recently used entry", () => {
        const cache = new SuggestionCache(2);
        cache.store({ uri: "a.py", prompt: "one", text: "1", mode: "singleLine" });
        cache.store({ uri: "a.py", prompt: "two", text: "2", mode: "singleLine" });
        cache.lookup("a.py", "one"); // "one" is now the most recent
        cache.store({ uri: "a.py", prompt: "three", text: "3", mode: "singleLine" });
        assert.equal(cache.size, 2);
        assert.equal(cache.lookup("a.py", "two"), undefined);
        assert.equal(cache.lookup("a.py", "one")?.remaining, "1");
    });

    it("does not store blank suggestions and forgets a closed document", () => {
        const cache = new SuggestionCache(10);
        cache.store({ uri: "a.py", prompt: "x", text: "  ", mode: "singleLine" });
        assert.equal(cache.size, 0);
        cache.store({ uri: "a.py", prompt: "x", text: "1", mode: "singleLine" });
        cache.forgetDocument("a.py");
        assert.equal(cache.size, 0);
    });
});
