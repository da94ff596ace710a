// @ts-check
// The "Phi-2: Explain" panel script. It renders the state the extension sends; the explanation
// arrives as a tree of allowed tags and plain strings (see src/core/explain/safeMarkdown.ts).
//
// Safety rule of this file: model text only ever becomes text nodes (createTextNode /
// textContent). Elements come from the fixed ELEMENTS table, never from a tag name in the data;
// no innerHTML, no insertAdjacentHTML, no attributes from the data except a checked http(s) title.
(function () {
    "use strict";

    // @ts-ignore acquireVsCodeApi is provided by the webview host.
    const vscode = acquireVsCodeApi();

    /** Tree tag -> element created for it. A Map, so that "constructor" or "__proto__" match nothing. */
    const ELEMENTS = new Map([
        ["p", "p"], ["h1", "h1"], ["h2", "h2"], ["h3", "h3"], ["h4", "h4"], ["h5", "h5"], ["h6", "h6"],
        ["ul", "ul"], ["ol", "ol"], ["li", "li"], ["blockquote", "blockquote"], ["pre", "pre"], ["hr", "hr"],
        ["table", "table"], ["thead", "thead"], ["tbody", "tbody"], ["tr", "tr"], ["th", "th"], ["td", "td"],
        ["strong", "strong"], ["em", "em"], ["s", "s"], ["code", "code"], ["br", "br"],
        // Links are shown as text: nothing in the panel navigates anywhere.
        ["link", "span"],
    ]);
    /** How close to the bottom counts as "at the bottom" when deciding to follow the stream. */
    const FOLLOW_SLACK_PX = 40;
    const FORBIDDEN_SELECTOR = "script, img, iframe, object, embed, a, form, input, link, style, svg, video, audio, source";

    const byId = (/** @type {string} */ id) => /** @type {HTMLElement} */ (document.getElementById(id));
    const sourceTitle = byId("source-title");
    const sourceDetail = byId("source-detail");
    const statusLine = byId("status");
    const notes = byId("notes");
    const errorBox = byId("error");
    const errorMessage = byId("error-message");
    const errorActions = byId("error-actions");
    const explanation = byId("explanation");
    const stopButton = /** @type {HTMLButtonElement} */ (byId("stop"));
    const copyButton = /** @type {HTMLButtonElement} */ (byId("copy"));
    const againButton = /** @type {HTMLButtonElement} */ (byId("again"));

    /** Plain text of a subtree (for code blocks, whose content is text only). */
    function textOf(/** @type {unknown} */ node) {
        if (typeof node === "string") return node;
        if (node && typeof node === "object" && Array.isArray(/** @type {any} */ (node).children)) {
            return /** @type {any} */ (node).children.map(textOf).join("");
        }
        return "";
    }

    function appendNode(/** @type {Node} */ parent, /** @type {unknown} */ node) {
        if (typeof node === "string") {
            parent.appendChild(document.createTextNode(node));
            return;
        }
        if (!node || typeof node !== "object") return;
        const data = /** @type {{ tag?: unknown, children?: unknown, language?: unknown, start?: unknown, title?: unknown }} */ (node);
        const children = Array.isArray(data.children) ? data.children : [];
        const tagName = typeof data.tag === "string" ? ELEMENTS.get(data.tag) : undefined;
        if (tagName === undefined) {
            // Unknown in the tree: show its text, create nothing.
            parent.appendChild(document.createTextNode(textOf(node)));
            return;
        }
        const element = document.createElement(tagName);
        if (data.tag === "pre") {
            const code = document.createElement("code");
            if (typeof data.language === "string" && /^[A-Za-z0-9+#.-]{1,32}$/.test(data.language)) {
                code.className = "language-" + data.language;
                element.dataset.language = data.language;
            }
            code.textContent = children.map(textOf).join("");
            element.appendChild(code);
            parent.appendChild(element);
            return;
        }
        if (data.tag === "link") {
            element.className = "link";
            if (typeof data.title === "string" && /^https?:\/\//i.test(data.title)) element.title = data.title;
        }
        if (data.tag === "ol" && typeof data.start === "number" && Number.isInteger(data.start)) {
            /** @type {HTMLOListElement} */ (element).start = data.start;
        }
        for (const child of children) appendNode(element, child);
        parent.appendChild(element);
    }

    function renderNotes(/** @type {unknown[]} */ items) {
        notes.replaceChildren();
        for (const item of items) {
            if (typeof item !== "string") continue;
            const entry = document.createElement("li");
            entry.textContent = item;
            notes.appendChild(entry);
        }
        notes.hidden = notes.childElementCount === 0;
    }

    function renderError(/** @type {any} */ error) {
        errorActions.replaceChildren();
        if (!error || typeof error.message !== "string") {
            errorBox.hidden = true;
            errorMessage.textContent = "";
            return;
        }
        errorBox.hidden = false;
        errorMessage.textContent = error.message;
        for (const action of Array.isArray(error.actions) ? error.actions : []) {
            if (!action || typeof action.id !== "string" || typeof action.label !== "string") continue;
            const button = document.createElement("button");
            button.type = "button";
            button.textContent = action.label;
            button.dataset.action = action.id;
            if (action.id !== "retry") button.className = "secondary";
            button.addEventListener("click", () => vscode.postMessage({ type: "action", action: action.id }));
            errorActions.appendChild(button);
        }
    }

    /** @param {any} state */
    function render(state) {
        if (!state || typeof state !== "object") return;
        const status = typeof state.status === "string" ? state.status : "waiting";
        document.body.dataset.status = status;
        sourceTitle.textContent = state.source && typeof state.source.title === "string" ? state.source.title : "";
        sourceDetail.textContent = state.source && typeof state.source.detail === "string" ? state.source.detail : "";
        statusLine.textContent = typeof state.statusText === "string" ? state.statusText : "";
        renderNotes(Array.isArray(state.notes) ? state.notes : []);
        renderError(state.error);

        // Follow the stream while the reader is at the bottom; leave them where they are if they scrolled up.
        const followStream = window.innerHeight + window.scrollY >= document.body.scrollHeight - FOLLOW_SLACK_PX;
        const fragment = document.createDocumentFragment();
        for (const node of Array.isArray(state.tree) ? state.tree : []) appendNode(fragment, node);
        explanation.replaceChildren(fragment);
        explanation.classList.toggle("streaming", status === "streaming");
        if (status === "streaming" && followStream) window.scrollTo(0, document.body.scrollHeight);

        stopButton.hidden = !state.canStop;
        copyButton.disabled = !state.canCopy;
        againButton.disabled = !state.canExplainAgain;

        vscode.postMessage({
            type: "rendered",
            status,
            text: explanation.textContent || "",
            forbiddenElements: explanation.querySelectorAll(FORBIDDEN_SELECTOR).length,
        });
    }

    let flashTimer = 0;
    function flash(/** @type {string} */ text) {
        statusLine.dataset.flash = text;
        statusLine.classList.add("flash");
        window.clearTimeout(flashTimer);
        flashTimer = window.setTimeout(() => statusLine.classList.remove("flash"), 1500);
    }

    stopButton.addEventListener("click", () => vscode.postMessage({ type: "stop" }));
    copyButton.addEventListener("click", () => vscode.postMessage({ type: "copy" }));
    againButton.addEventListener("click", () => vscode.postMessage({ type: "again" }));

    window.addEventListener("message", (event) => {
        const message = event.data;
        if (!message || typeof message !== "object") return;
        if (message.type === "render") render(message.state);
        else if (message.type === "flash" && typeof message.text === "string") flash(message.text);
    });

    vscode.postMessage({ type: "ready" });
})();
