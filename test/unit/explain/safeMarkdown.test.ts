import assert from "node:assert/strict";
import { markdownToSafeTree, SAFE_TAGS, safeTreeText, type SafeNode } from "../../../src/core/explain/safeMarkdown";

function tags(nodes: readonly SafeNode[]): string[] {
    return nodes.flatMap((node) => (typeof node === "string" ? [] : [node.tag, ...tags(node.children)]));
}

describe("safe Markdown tree", () => {
    it("renders the usual Markdown of an explanation", () => {
        const tree = markdownToSafeTree("## Steps\n\n1. Read **a**\n2. Add `b`\n\n```python\nprint(add(1, 2))\n```\n\n> note\n\n---");
        assert.deepEqual(tree, [
            { tag: "h2", children: ["Steps"] },
            { tag: "ol", children: [
                { tag: "li", children: ["Read ", { tag: "strong", children: ["a"] }] },
                { tag: "li", children: ["Add ", { tag: "code", children: ["b"] }] },
            ] },
            { tag: "pre", children: ["print(add(1, 2))"], language: "python" },
            { tag: "blockquote", children: [{ tag: "p", children: ["note"] }] },
            { tag: "hr", children: [] },
        ]);
    });

    it("turns raw HTML into plain text", () => {
        const hostile = '<script>window.pwned = 1</script>\n\nSee <img src=x onerror="window.pwned=1"> and <a href="javascript:alert(1)">this</a>.';
        const tree = markdownToSafeTree(hostile);
        assert.ok(tags(tree).every((tag) => tag === "p"), `only paragraphs, got ${tags(tree).join(",")}`);
        const text = safeTreeText(tree);
        assert.ok(text.includes("<script>window.pwned = 1</script>"));
        assert.ok(text.includes('<img src=x onerror="window.pwned=1">'));
        assert.ok(text.includes('<a href="javascript:alert(1)">this</a>'));
    });

    it("keeps links as text; only an http(s) target survives, as a title", () => {
        assert.deepEqual(markdownToSafeTree("[docs](https://docs.python.org/3/) and [bad](javascript:alert(1)) and [mail](mailto:a@example.com)"), [
            { tag: "p", children: [
                { tag: "link", children: ["docs"], title: "https://docs.python.org/3/" },
                " and [bad](javascript:alert(1)) and ",
                { tag: "link", children: ["mail"] },
            ] },
        ]);
    });

    it("shows an image's alt text, never an image", () => {
        const tree = markdownToSafeTree("![a chart](http://evil.example/x.png)");
        assert.deepEqual(tree, [{ tag: "p", children: ["a chart"] }]);
    });

    it("drops a code language it cannot vouch for", () => {
        assert.deepEqual(markdownToSafeTree('```py"><script>\nx\n```'), [{ tag: "pre", children: ["x"] }]);
    });

    it("uses only the allowed tags, also for tables and breaks", () => {
        const tree = markdownToSafeTree("| a | b |\n|---|---|\n| 1 | 2 |\n\nline one  \nline two\n~~old~~ *new*");
        const allowed: readonly string[] = SAFE_TAGS;
        for (const tag of tags(tree)) assert.ok(allowed.includes(tag), tag);
        assert.ok(tags(tree).includes("table") && tags(tree).includes("br") && tags(tree).includes("s"));
    });

    it("renders a half-written stream without throwing (an open fence, a dangling emphasis)", () => {
        assert.deepEqual(markdownToSafeTree("It **adds\n\n```python\ndef f("), [
            { tag: "p", children: ["It **adds"] },
            { tag: "pre", children: ["def f("], language: "python" },
        ]);
    });
});
