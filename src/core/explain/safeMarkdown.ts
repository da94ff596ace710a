// Model text -> Markdown -> a small tree of allowed elements and plain strings.
//
// Why a tree and not HTML: the explanation is untrusted text (a model can be prompted, through
// the code it reads, to write `<script>` or `<img onerror>`). The panel's script builds DOM nodes
// from this tree with createElement over a fixed tag list and textContent for every string, so
// nothing in the model's text is ever parsed as HTML. markdown-it runs with raw HTML off; its
// html tokens (if any) and images become plain text, and links become inert text.
import MarkdownIt, { type Token } from "markdown-it";

/** Elements the panel may create. Anything else in the tree is a bug and is rendered as its text. */
export const SAFE_TAGS = [
    "p", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "blockquote", "pre", "hr",
    "table", "thead", "tbody", "tr", "th", "td", "strong", "em", "s", "code", "br",
    // A link's text, shown as text; never an <a>.
    "link",
] as const;

export type SafeTag = (typeof SAFE_TAGS)[number];

export interface SafeElement {
    readonly tag: SafeTag;
    readonly children: SafeNode[];
    /** Code block language (`pre`), letters/digits/`+#.-` only. */
    readonly language?: string;
    /** First number of an ordered list (`ol`). */
    readonly start?: number;
    /** An http(s) link target, shown as a tooltip on the link text; other schemes are dropped. */
    readonly title?: string;
}

export type SafeNode = string | SafeElement;

const markdown = new MarkdownIt("default", { html: false, linkify: false, typographer: false });

const OPEN_TAGS: Partial<Record<string, SafeTag>> = {
    paragraph_open: "p",
    bullet_list_open: "ul",
    ordered_list_open: "ol",
    list_item_open: "li",
    blockquote_open: "blockquote",
    table_open: "table",
    thead_open: "thead",
    tbody_open: "tbody",
    tr_open: "tr",
    th_open: "th",
    td_open: "td",
    strong_open: "strong",
    em_open: "em",
    s_open: "s",
    link_open: "link",
};

const HEADINGS: ReadonlySet<string> = new Set(["h1", "h2", "h3", "h4", "h5", "h6"]);

function safeLanguage(info: string): string | undefined {
    const language = info.trim().split(/\s+/)[0] ?? "";
    return /^[A-Za-z0-9+#.-]{1,32}$/.test(language) ? language : undefined;
}

function safeLinkTitle(href: string | null): string | undefined {
    if (href === null) return undefined;
    return /^https?:\/\//i.test(href.trim()) ? href.trim() : undefined;
}

/** Builds the tree for a token list, using a stack of open elements. */
function buildTree(tokens: readonly Token[], root: SafeNode[]): void {
    const stack: SafeNode[][] = [root];
    const current = () => stack[stack.length - 1];
    const appendText = (text: string) => {
        if (text === "") return;
        const children = current();
        const last = children[children.length - 1];
        if (typeof last === "string") children[children.length - 1] = last + text;
        else children.push(text);
    };
    const open = (element: SafeElement) => {
        current().push(element);
        stack.push(element.children);
    };

    for (const token of tokens) {
        // Tight lists hide their paragraphs: the text goes straight into the item.
        if (token.hidden) continue;
        if (token.nesting === -1) {
            if (stack.length > 1) stack.pop();
            continue;
        }
        if (token.type === "heading_open" && HEADINGS.has(token.tag)) {
            open({ tag: token.tag as SafeTag, children: [] });
            continue;
        }
        if (token.type === "ordered_list_open") {
            const start = Number(token.attrGet("start") ?? "1");
            open({ tag: "ol", children: [], ...(Number.isInteger(start) && start !== 1 ? { start } : {}) });
            continue;
        }
        if (token.type === "link_open") {
            const href = token.attrGet("href");
            const title = safeLinkTitle(typeof href === "string" ? href : null);
            open({ tag: "link", children: [], ...(title !== undefined ? { title } : {}) });
            continue;
        }
        const tag = OPEN_TAGS[token.type];
        if (tag !== undefined && token.nesting === 1) {
            open({ tag, children: [] });
            continue;
        }
        if (token.nesting === 1) {
            // An opening token we do not know: keep its content flowing into the parent.
            stack.push(current());
            continue;
        }
        switch (token.type) {
            case "inline":
                buildTree(token.children ?? [], current());
                break;
            case "text":
            case "html_inline":
            case "html_block":
                appendText(token.content);
                break;
            case "softbreak":
                appendText("\n");
                break;
            case "hardbreak":
                current().push({ tag: "br", children: [] });
                break;
            case "code_inline":
                current().push({ tag: "code", children: [token.content] });
                break;
            case "fence":
            case "code_block": {
                const language = token.type === "fence" ? safeLanguage(token.info) : undefined;
                current().push({ tag: "pre", children: [token.content.replace(/\n$/, "")], ...(language !== undefined ? { language } : {}) });
                break;
            }
            case "hr":
                current().push({ tag: "hr", children: [] });
                break;
            case "image":
                // Alt text only: an explanation has no business loading images.
                appendText(token.content);
                break;
            default:
                appendText(token.content);
        }
    }
}

/** Parses Markdown into the safe tree. */
export function markdownToSafeTree(text: string): SafeNode[] {
    const root: SafeNode[] = [];
    buildTree(markdown.parse(text, {}), root);
    return root;
}

/** The visible text of a tree, as the panel shows it (for tests and copy checks). */
export function safeTreeText(nodes: readonly SafeNode[]): string {
    return nodes.map((node) => (typeof node === "string" ? node : safeTreeText(node.children))).join("");
}
