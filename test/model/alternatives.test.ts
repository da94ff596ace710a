// Alternatives through the real model host, on the pocket Phi-2 (a model that writes code, so
// sampling gives different text): an explicit request offers the greedy suggestion plus different
// sampled ones, each through the rules and the guard, and the same request gives the same list
// (fixed seeds). Automatic requests stay one greedy suggestion.
import assert from "node:assert/strict";
import { locateTreeSitterWasmDirectory } from "../../src/cli/treeSitterWasm";
import { CompletionEngine } from "../../src/core/completion/CompletionEngine";
import { DEFAULT_COMPLETION_SETTINGS, withSettings } from "../../src/core/completion/CompletionSettings";
import { createTextSnapshot } from "../../src/core/python/textSnapshot";
import { createTreeSitterSyntaxGuard } from "../../src/core/syntax/treeSitterSyntaxGuard";
import type { TreeSitterSyntaxGuard } from "../../src/core/syntax/treeSitterSyntaxGuard";
import type { ModelHostClient } from "../../src/hostClient/ModelHostClient";
import { verifyPocketModel } from "../support/pocket/pocketModel";
import { createClient, loadParams } from "./hostHarness";

/** Places inside code: across them the model must offer at least one alternative (which, depends on its training). */
const SOURCES = [
    "import os\n\n\ndef count_files(root):\n    total = 0\n    for dirpath, dirnames, filenames in os.walk(root):\n        total += len(",
    "import os\n\ndef f(path):\n    if os.path.",
    "def add(a, b):\n    return a",
    "class Stack:\n    def __init__(self):\n        self.items = []\n\n    def push(self, item):\n        self.",
];

describe("alternatives through the model host (pocket Phi-2)", function () {
    let client: ModelHostClient;
    let guard: TreeSitterSyntaxGuard;

    before(async () => {
        const { path } = await verifyPocketModel();
        client = createClient().client;
        await client.load(loadParams(path, { sequences: 1 }));
        guard = await createTreeSitterSyntaxGuard({ wasmDirectory: locateTreeSitterWasmDirectory() });
    });

    after(() => {
        client?.dispose();
        guard?.dispose();
    });

    const ask = (engine: CompletionEngine, trigger: "explicit" | "automatic", source: string) => {
        const document = createTextSnapshot(source, { uri: "file:///ws/files.py" });
        const lines = source.split("\n");
        return engine.completeWithAlternatives({
            document, position: { line: lines.length - 1, character: lines[lines.length - 1]!.length }, signal: new AbortController().signal, trigger,
        });
    };
    const settings = withSettings(DEFAULT_COMPLETION_SETTINGS, { debounce: { warmMs: 0, coldMs: 0 }, timeCapMs: 60_000 });

    it("offers different suggestions on an explicit request, the same list each time", async () => {
        const offered: string[][] = [];
        for (const source of SOURCES) {
            // Once to put the prompt in the KV cache, so both compared runs start from the same state
            // (a prompt evaluated in other batch splits can tip a near tie of a small model).
            await ask(new CompletionEngine(client, { settings, syntaxGuard: guard }), "explicit", source);
            const first = await ask(new CompletionEngine(client, { settings, syntaxGuard: guard }), "explicit", source);
            const texts = [first.primary, ...first.alternatives].flatMap((choice) => (choice.suggestion ? [choice.suggestion.insertText] : []));
            assert.equal(new Set(texts).size, texts.length, `no duplicates: ${JSON.stringify(texts)}`);
            for (const choice of first.alternatives) {
                assert.ok(choice.suggestion && choice.suggestion.insertText.trim().length > 0);
                assert.notEqual(choice.stats.syntaxGuard?.action, "dropped");
            }
            // A fresh engine (no cache) on the same host: fixed seeds give the same list.
            const again = await ask(new CompletionEngine(client, { settings, syntaxGuard: guard }), "explicit", source);
            assert.deepEqual([again.primary, ...again.alternatives].flatMap((choice) => (choice.suggestion ? [choice.suggestion.insertText] : [])), texts);
            offered.push(texts);
        }
        assert.ok(offered.some((texts) => texts.length >= 2), `no place got an alternative: ${JSON.stringify(offered)}`);
    });

    it("keeps automatic requests to one greedy suggestion", async () => {
        const automatic = await ask(new CompletionEngine(client, { settings, syntaxGuard: guard }), "automatic", SOURCES[1]!);
        assert.equal(automatic.alternatives.length, 0);
    });
});
