// The command ids (commandIds.ts) and the setting effects (settingKeys.ts) against package.json:
// every contributed command has an entry in the command table and every contributed one is
// declared, and every declared setting says whether a change reloads the model.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { CONTRIBUTED_COMMANDS, INTERNAL_COMMANDS, TEST_COMMANDS } from "../../../src/vscode/commandIds";
import { needsModelReload, SETTING_EFFECTS } from "../../../src/vscode/settingKeys";

interface Manifest {
    readonly contributes: {
        readonly commands: readonly { readonly command: string }[];
        readonly menus: Readonly<Record<string, readonly { readonly command: string }[]>>;
        readonly keybindings: readonly { readonly command: string; readonly key: string; readonly when: string }[];
        readonly configuration: { readonly properties: Readonly<Record<string, unknown>> };
    };
}

const manifest = JSON.parse(fs.readFileSync(path.join(__dirname, "../../../package.json"), "utf8")) as Manifest;
const sorted = (ids: Iterable<string>) => [...ids].sort();

describe("the command table and package.json", () => {
    it("declares exactly the table's contributed commands", () => {
        assert.deepEqual(sorted(manifest.contributes.commands.map((entry) => entry.command)), sorted(Object.values(CONTRIBUTED_COMMANDS)));
    });

    it("puts only contributed commands in menus", () => {
        const contributed = new Set<string>(Object.values(CONTRIBUTED_COMMANDS));
        for (const [menu, entries] of Object.entries(manifest.contributes.menus)) {
            for (const entry of entries) assert.ok(contributed.has(entry.command), `${menu} lists ${entry.command}`);
        }
    });

    it("binds keys to the extension's own registered commands or VS Code's, the Esc on ghost text only where nothing else needs it", () => {
        const own = new Set<string>([...Object.values(CONTRIBUTED_COMMANDS), ...Object.values(INTERNAL_COMMANDS)]);
        for (const binding of manifest.contributes.keybindings) {
            assert.ok(own.has(binding.command) || binding.command.startsWith("editor.action."), `${binding.key} runs ${binding.command}`);
            assert.match(binding.when, /editorLangId == python/, `${binding.key} only in Python editors`);
        }
        const escape = manifest.contributes.keybindings.find((binding) => binding.key === "escape");
        assert.equal(escape?.command, INTERNAL_COMMANDS.dismissSuggestion);
        // The suggest widget's own Esc comes first: the ghost text goes with the next one.
        assert.match(escape.when, /inlineSuggestionVisible/);
        assert.match(escape.when, /!suggestWidgetVisible/);
    });

    it("gives every id one name in one group (internal and test commands are not contributed)", () => {
        const all = [...Object.values(CONTRIBUTED_COMMANDS), ...Object.values(INTERNAL_COMMANDS), ...Object.values(TEST_COMMANDS)];
        assert.equal(new Set(all).size, all.length);
        const names = [...Object.keys(CONTRIBUTED_COMMANDS), ...Object.keys(INTERNAL_COMMANDS), ...Object.keys(TEST_COMMANDS)];
        assert.equal(new Set(names).size, names.length);
    });
});

describe("the setting effects and package.json", () => {
    it("says for every declared setting whether it reloads the model, and names no other", () => {
        assert.deepEqual(sorted(Object.keys(SETTING_EFFECTS)), sorted(Object.keys(manifest.contributes.configuration.properties)));
    });

    it("reloads for the model and backend settings, not for the completion budgets", () => {
        for (const key of ["phi2.modelPath", "phi2.backend", "phi2.server.url", "phi2.gpu", "phi2.threads", "phi2.contextSize", "phi2.kvCacheBudgetMb", "phi2.speculativeDecoding"]) {
            assert.equal(needsModelReload((changed) => changed === key), true, key);
        }
        for (const key of ["phi2.enable", "phi2.maxTokens", "phi2.debounceMs", "phi2.explain.maxTokens", "phi2.idleUnloadMinutes", "phi2.download.baseUrl"]) {
            assert.equal(needsModelReload((changed) => changed === key), false, key);
        }
    });
});
