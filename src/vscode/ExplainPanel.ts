// The "Phi-2: Explain" webview panel: one panel, reused between runs, beside the editor.
//
// Security model: the model's text is untrusted. The extension parses it with markdown-it (raw
// HTML off) into a tree of allowed tags and plain strings (src/core/explain/safeMarkdown.ts); the
// panel's script (media/explain.js) builds DOM nodes from that tree with createElement and
// textContent only. The HTML below is static apart from the nonce and resource URIs; a strict CSP
// allows only our nonce'd script and our stylesheet, and the webview can load files from media/
// and nowhere else.
import * as crypto from "node:crypto";
import * as vscode from "vscode";
import { EMPTY_VIEW_STATE, type ExplainPanelAction, type ExplainViewState, type ExplainViewStatus } from "./explainViewState";
import { EXPLAIN_ACTION_LABELS } from "./modelErrors";

export type { ExplainPanelAction, ExplainViewState, ExplainViewStatus } from "./explainViewState";

/** What the script reports after each render (for tests and diagnostics). */
export interface ExplainRenderReport {
    /** textContent of the explanation area. */
    readonly text: string;
    readonly status: ExplainViewStatus;
    /** Elements in the explanation area that must never exist there (script, img, a, iframe, ...). */
    readonly forbiddenElements: number;
}

export type ExplainPanelMessage =
    | { readonly type: "stop" }
    | { readonly type: "copy" }
    | { readonly type: "again" }
    | { readonly type: "action"; readonly action: ExplainPanelAction };

const VIEW_TYPE = "phi2.explainPanel";
const TITLE = "Phi-2: Explain";
const ACTIONS = Object.keys(EXPLAIN_ACTION_LABELS) as readonly ExplainPanelAction[];

export class ExplainPanel implements vscode.Disposable {
    private panel: vscode.WebviewPanel | undefined;
    private panelSubscriptions: vscode.Disposable[] = [];
    private state: ExplainViewState = EMPTY_VIEW_STATE;
    private report: ExplainRenderReport | undefined;
    private readonly mediaRoot: vscode.Uri;

    constructor(
        extensionUri: vscode.Uri,
        private readonly onMessage: (message: ExplainPanelMessage) => void,
        private readonly onClosed: () => void,
    ) {
        this.mediaRoot = vscode.Uri.joinPath(extensionUri, "media");
    }

    get isOpen(): boolean {
        return this.panel !== undefined;
    }

    /** The script's report of its last render. */
    get lastRender(): ExplainRenderReport | undefined {
        return this.report;
    }

    /** Opens the panel beside the editor without taking focus, or reveals the existing one. */
    show(): void {
        if (this.panel) {
            this.panel.reveal(this.panel.viewColumn ?? vscode.ViewColumn.Beside, true);
            return;
        }
        const panel = vscode.window.createWebviewPanel(
            VIEW_TYPE,
            TITLE,
            { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true },
            {
                enableScripts: true,
                enableCommandUris: false,
                enableForms: false,
                localResourceRoots: [this.mediaRoot],
                // The script asks for the state again when it reloads, so no need to keep it alive hidden.
                retainContextWhenHidden: false,
            },
        );
        panel.iconPath = vscode.Uri.joinPath(this.mediaRoot, "explain.svg");
        panel.webview.html = this.html(panel.webview);
        this.panel = panel;
        this.report = undefined;
        this.panelSubscriptions = [
            panel.webview.onDidReceiveMessage((message: unknown) => this.receive(message)),
            panel.onDidDispose(() => {
                this.panel = undefined;
                for (const subscription of this.panelSubscriptions) subscription.dispose();
                this.panelSubscriptions = [];
                this.onClosed();
            }),
        ];
    }

    update(state: ExplainViewState): void {
        this.state = state;
        void this.panel?.webview.postMessage({ type: "render", state });
    }

    /** A short confirmation in the panel (e.g. "Copied"). */
    flash(text: string): void {
        void this.panel?.webview.postMessage({ type: "flash", text });
    }

    dispose(): void {
        this.panel?.dispose();
    }

    private receive(message: unknown): void {
        if (typeof message !== "object" || message === null) return;
        const { type } = message as { type?: unknown };
        switch (type) {
            case "ready":
                void this.panel?.webview.postMessage({ type: "render", state: this.state });
                return;
            case "rendered": {
                const { text, status, forbiddenElements } = message as Record<string, unknown>;
                if (typeof text === "string" && typeof status === "string" && typeof forbiddenElements === "number") {
                    this.report = { text, status: status as ExplainViewStatus, forbiddenElements };
                }
                return;
            }
            case "stop":
            case "copy":
            case "again":
                this.onMessage({ type });
                return;
            case "action": {
                const { action } = message as { action?: unknown };
                if (ACTIONS.includes(action as ExplainPanelAction)) this.onMessage({ type: "action", action: action as ExplainPanelAction });
                return;
            }
        }
    }

    private html(webview: vscode.Webview): string {
        const nonce = crypto.randomBytes(18).toString("base64");
        const styleUri = webview.asWebviewUri(vscode.Uri.joinPath(this.mediaRoot, "explain.css"));
        const scriptUri = webview.asWebviewUri(vscode.Uri.joinPath(this.mediaRoot, "explain.js"));
        const csp = [
            "default-src 'none'",
            `script-src 'nonce-${nonce}'`,
            `style-src ${webview.cspSource}`,
            `img-src ${webview.cspSource}`,
            `font-src ${webview.cspSource}`,
            "base-uri 'none'",
            "form-action 'none'",
        ].join("; ");
        return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${attribute(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${attribute(styleUri.toString())}">
<title>${TITLE}</title>
</head>
<body>
<header class="toolbar">
  <div class="source">
    <div id="source-title" class="source-title"></div>
    <div id="source-detail" class="source-detail"></div>
  </div>
  <div class="actions">
    <button id="stop" type="button" title="Stop the explanation">Stop</button>
    <button id="copy" type="button" class="secondary" title="Copy the explanation as Markdown">Copy</button>
    <button id="again" type="button" class="secondary" title="Explain the same code again">Explain Again</button>
  </div>
</header>
<div id="status" class="status" role="status" aria-live="polite"></div>
<ul id="notes" class="notes"></ul>
<div id="error" class="error" role="alert" hidden>
  <p id="error-message"></p>
  <div id="error-actions" class="error-actions"></div>
</div>
<main id="explanation" class="explanation" aria-live="polite"></main>
<script nonce="${attribute(nonce)}" src="${attribute(scriptUri.toString())}"></script>
</body>
</html>`;
    }
}

function attribute(value: string): string {
    return value.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}
