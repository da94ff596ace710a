// Entry point: builds the session (src/vscode/Phi2Session.ts: settings, model, engine, provider,
// prefill, status bar, explain) and registers the command table (src/vscode/commands.ts). The
// behaviour lives in src/vscode (editor surface) and src/core (completion logic); the model runs
// in a child process (dist/modelHost.mjs).
import * as path from "node:path";
import * as vscode from "vscode";
import { registerCommands } from "./vscode/commands";
import { ACTION_LABELS, startFailureMessage } from "./vscode/modelErrors";
import { Phi2Session } from "./vscode/Phi2Session";
import type { Phi2TestApi } from "./vscode/testApi";
import { errorText } from "./core/errorText";

export async function activate(context: vscode.ExtensionContext): Promise<Phi2TestApi | undefined> {
    const log = vscode.window.createOutputChannel("Phi-2", { log: true });
    context.subscriptions.push(log);
    try {
        // A missing or broken host file is reported at the first load (HOST_BROKEN_INSTALL), with
        // the commands and the status bar working: not as a failed activation.
        const hostScriptPath = path.join(context.extensionPath, "dist", "modelHost.mjs");
        const session = await Phi2Session.create(context, log, hostScriptPath);
        context.subscriptions.push(session, ...registerCommands(session));
        session.start();
        return session.testApi();
    } catch (error) {
        const message = errorText(error);
        log.error(`Phi-2 Complete failed to start: ${error instanceof Error ? error.stack ?? message : message}`);
        void vscode.window.showErrorMessage(startFailureMessage(message), ACTION_LABELS.showLogs).then((picked) => {
            if (picked) log.show();
        });
        throw error;
    }
}

export function deactivate(): void {
    // Everything is disposed through context.subscriptions (the model host is stopped by ModelManager).
}
