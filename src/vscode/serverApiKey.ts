// The llama-server API key: kept in VS Code's SecretStorage (the OS keychain), never in settings
// files a repository or a settings sync could read. "Phi-2: Set Server API Key" sets or clears it.
import * as vscode from "vscode";

export const SET_SERVER_API_KEY_COMMAND = "phi2.setServerApiKey";
const SECRET_KEY = "phi2.server.apiKey";

export function readServerApiKey(secrets: vscode.SecretStorage): Thenable<string | undefined> {
    return secrets.get(SECRET_KEY);
}

/** The command, and a listener that calls `onDidChange` when the stored key changes (e.g. from another window). */
export function registerServerApiKey(secrets: vscode.SecretStorage, onDidChange: () => void): vscode.Disposable[] {
    return [
        vscode.commands.registerCommand(SET_SERVER_API_KEY_COMMAND, async (key?: string) => {
            // A string argument sets the key without asking (tests, scripts).
            const entered = typeof key === "string"
                ? key
                : await vscode.window.showInputBox({
                      title: "Phi-2: Server API Key",
                      prompt: "The key llama-server was started with (--api-key). Leave empty to remove the stored key.",
                      password: true,
                      ignoreFocusOut: true,
                  });
            if (entered === undefined) return;
            if (entered.trim().length === 0) await secrets.delete(SECRET_KEY);
            else await secrets.store(SECRET_KEY, entered.trim());
        }),
        secrets.onDidChange((event) => {
            if (event.key === SECRET_KEY) onDidChange();
        }),
    ];
}
