// Whether a document gets completions: phi2.enable (also per language, e.g. "[python]": {...}, like
// github.copilot.enable) and phi2.exclude (glob patterns of files that never get any: generated
// code, secrets, migrations).
import * as vscode from "vscode";
import { SETTINGS_SECTION } from "./settings";

export function completionsEnabledFor(document: vscode.TextDocument): boolean {
    const config = vscode.workspace.getConfiguration(SETTINGS_SECTION, document);
    if (!config.get<boolean>("enable", true)) return false;
    const excluded = config.get<string[]>("exclude", []);
    return !excluded.some((pattern) => typeof pattern === "string" && pattern.length > 0 && vscode.languages.match({ pattern }, document) > 0);
}
