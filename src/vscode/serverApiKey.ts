// The llama-server API key: kept in VS Code's SecretStorage (the OS keychain), never in settings
// files a repository or a settings sync could read. "Phi-2: Set Server API Key" sets or clears it.
import * as vscode from "vscode";
import { CONTRIBUTED_COMMANDS } from "./commandIds";

export const SET_SERVER_API_KEY_COMMAND = CONTRIBUTED_COMMANDS.setServerApiKey;
const SECRET_KEY = "phi2.server.apiKey";

export function readServerApiKey(secrets: vscode.SecretStorage): Thenable<string | undefined> {
    return secrets.get(SECRET_KEY);
}

/** "Phi-2: Set Server API Key" (the command table registers it). A string argument sets the key without asking (tests, scripts). */
export async function setServerApiKey(secrets: vscode.SecretStorage, key?: string): Promise<void> {
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
}

/** Calls `onDidChange` when the stored key changes (e.g. from another window). */
export function watchServerApiKey(secrets: vscode.SecretStorage, onDidChange: () => void): vscode.Disposable {
    return secrets.onDidChange((event) => {
        if (event.key === SECRET_KEY) onDidChange();
    });
}
