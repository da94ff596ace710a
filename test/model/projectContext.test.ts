// Project context through the real model host and the CLI: the definitions imported from another
// file of a workspace go at the start of the prompt, stay in the KV cache across keystrokes (the
// host's counters show only the typed tokens evaluated), and `complete --workspace` uses them.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { pathToFileURL } from "node:url";
import { DiskProjectFiles } from "../../src/cli/DiskProjectFiles";
import { renderWorkspaceContext } from "../../src/cli/workspaceContext";
import { CompletionEngine } from "../../src/core/completion/CompletionEngine";
import { DEFAULT_COMPLETION_SETTINGS, contextBudgetTokens, withSettings } from "../../src/core/completion/CompletionSettings";
import { createTextSnapshot } from "../../src/core/python/textSnapshot";
import type { ModelHostClient } from "../../src/hostClient/ModelHostClient";
import { ensureScriptedModel, SCRIPTS } from "../support/tinyModels";
import { createClient, loadParams } from "./hostHarness";

const CLI = resolve(import.meta.dirname, "../../dist/cli.mjs");
const MODELS = [
    '"""Shop models."""',
    "class Cart:",
    '    """Items a customer is about to buy."""',
    "    def add(self, item, quantity=1): ...",
    "    def total(self) -> float: ...",
    "",
    "def add(a, b):",
    "    return a + b",
    "",
].join("\n");
const VIEWS_HEAD = "from .models import Cart, add\n\n";

describe("project context through the model host", function () {
    let workspace: string;
    let modelPath: string;
    let client: ModelHostClient;

    before(async () => {
        workspace = mkdtempSync(join(tmpdir(), "phi2-context-"));
        mkdirSync(join(workspace, "shop"));
        writeFileSync(join(workspace, "shop", "__init__.py"), "");
        writeFileSync(join(workspace, "shop", "models.py"), MODELS);
        modelPath = await ensureScriptedModel(SCRIPTS.add);
        client = createClient().client;
        await client.load(loadParams(modelPath, { sequences: 1 }));
    });

    after(() => {
        client?.dispose();
        rmSync(workspace, { recursive: true, force: true });
    });

    it("keeps the context cached while the user types below the imports", async () => {
        const settings = withSettings(DEFAULT_COMPLETION_SETTINGS, { debounce: { warmMs: 0, coldMs: 0 } });
        const engine = new CompletionEngine(client, { settings });
        const files = new DiskProjectFiles(workspace);
        const viewsPath = join(workspace, "shop", "views.py");
        const request = async (text: string) => {
            const document = createTextSnapshot(text, { uri: pathToFileURL(viewsPath).href });
            const projectContext = await renderWorkspaceContext(files, viewsPath, document, "definitions", contextBudgetTokens(settings));
            const lines = text.split("\n");
            const position = { line: lines.length - 1, character: lines[lines.length - 1]!.length };
            return { projectContext, outcome: await engine.complete({ document, position, signal: new AbortController().signal, trigger: "explicit", projectContext }) };
        };
        const first = await request(`${VIEWS_HEAD}def total(cart):\n    return cart.`);
        assert.ok(first.projectContext.text.startsWith("# file: shop/models.py\nclass Cart:\n"), first.projectContext.text);
        assert.ok(first.projectContext.text.endsWith("# file: shop/views.py\n"));
        assert.ok(first.outcome.stats.prompt.contextTokens > 20);
        const contextTokens = await client.countTokens(first.projectContext.text);

        const typed = await request(`${VIEWS_HEAD}def total(cart):\n    return cart.to`);
        assert.equal(typed.projectContext.text, first.projectContext.text, "typing below the imports leaves the context as it was");
        const counters = typed.outcome.stats.counters!;
        assert.ok(counters.reusedTokens >= contextTokens, `reused ${counters.reusedTokens} of a ${contextTokens}-token context`);
        assert.ok(counters.evaluatedTokens <= 3, `evaluated ${counters.evaluatedTokens} tokens after typing two characters`);
    });

    it("`complete --workspace` puts the imported definitions in the prompt and still completes", async () => {
        const file = join(workspace, "shop", "views.py");
        writeFileSync(file, `${VIEWS_HEAD}def add(a, b):\n    `);
        const run = promisify(execFile);
        const args = [CLI, "complete", "--model", modelPath, "--file", file, "--line", "4", "--column", "5", "--threads", "1", "--gpu", "off", "--json"];
        const withContext = JSON.parse((await run(process.execPath, [...args, "--workspace", workspace])).stdout);
        const without = JSON.parse((await run(process.execPath, args)).stdout);
        assert.equal(withContext.suggestion, "return a + b");
        assert.ok(withContext.stats.prompt.contextTokens > 20, JSON.stringify(withContext.stats.prompt));
        assert.ok(withContext.counters.promptTokens > without.counters.promptTokens + 20);
        assert.equal(without.stats.prompt.contextTokens, 0);
    });
});
