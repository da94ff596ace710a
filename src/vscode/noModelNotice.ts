// The one-time welcome when no model is configured: what is missing, one click to download it (or
// select a file). Shown once per machine (global state); the status bar keeps offering the same actions.
import * as vscode from "vscode";
import { ACTION_LABELS, NO_MODEL_MESSAGE, remoteWindowNote, type ModelAction } from "./modelErrors";

const SHOWN_KEY = "phi2.noModelNoticeShown";

export async function showNoModelNoticeOnce(state: vscode.Memento, runAction: (action: ModelAction) => void): Promise<void> {
    if (state.get<boolean>(SHOWN_KEY)) return;
    await state.update(SHOWN_KEY, true);
    const actions: ModelAction[] = ["downloadModel", "selectModelFile"];
    const picked = await vscode.window.showInformationMessage(NO_MODEL_MESSAGE + remoteWindowNote(vscode.env.remoteName), ...actions.map((action) => ACTION_LABELS[action]));
    const action = actions.find((candidate) => ACTION_LABELS[candidate] === picked);
    if (action) runAction(action);
}
