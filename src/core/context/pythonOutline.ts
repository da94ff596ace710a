// The outline of a Python module as stub lines: what another file needs to know to use it
// (signatures, class headers with their methods and fields, the first line of each docstring,
// constants), without bodies. Rendered as valid Python that a base model continues naturally
// (`def f(a, b): ...`), from tree-sitter's parse so that strings and comments never fool it.
import type { Node as SyntaxNode } from "@vscode/tree-sitter-wasm";

export type OutlineKind = "function" | "class" | "constant";

export interface OutlineEntry {
    /** The name the module binds (what `from module import name` imports). */
    readonly name: string;
    readonly kind: OutlineKind;
    /** False for `_private` names: left out when a whole module is imported, kept when named. */
    readonly public: boolean;
    /** Stub lines, unindented for a top-level entry. */
    readonly lines: readonly string[];
}

/** Longest assignment kept with its value; a longer one is written `NAME = ...`. */
const MAX_CONSTANT_LINE = 100;
/** Longest docstring line kept; longer ones are cut at a word. */
const MAX_DOCSTRING_LINE = 100;
/** Methods listed per class at most (a huge class would take the whole budget). */
const MAX_METHODS_PER_CLASS = 24;
const STUB_INDENT = "    ";
/** Decorators that change how a method or class is used, kept in the stub. */
const KEPT_DECORATORS = /^@(?:property|staticmethod|classmethod|abstractmethod|dataclass|[\w.]*\.setter|(?:functools\.)?cached_property|(?:typing\.)?overload|enum\.unique)\b/;

/** The outline entries of a parsed module, in source order. */
export function outlineModule(root: SyntaxNode): OutlineEntry[] {
    const entries: OutlineEntry[] = [];
    for (const statement of root.namedChildren) {
        if (statement === null) continue;
        const entry = outlineStatement(statement);
        if (entry !== undefined) entries.push(entry);
    }
    return entries;
}

function outlineStatement(statement: SyntaxNode): OutlineEntry | undefined {
    const { decorators, definition } = unwrapDecorated(statement);
    if (definition.type === "function_definition") {
        const name = definition.childForFieldName("name")?.text;
        if (name === undefined) return undefined;
        return { name, kind: "function", public: isPublic(name), lines: [...decorators, ...functionStub(definition, "")] };
    }
    if (definition.type === "class_definition") {
        const name = definition.childForFieldName("name")?.text;
        if (name === undefined) return undefined;
        return { name, kind: "class", public: isPublic(name), lines: [...decorators, ...classStub(definition)] };
    }
    const assignment = assignmentOf(statement);
    if (assignment !== undefined && isConstantName(assignment.name)) {
        return { name: assignment.name, kind: "constant", public: true, lines: [assignment.line] };
    }
    return undefined;
}

function unwrapDecorated(statement: SyntaxNode): { decorators: string[]; definition: SyntaxNode } {
    if (statement.type !== "decorated_definition") return { decorators: [], definition: statement };
    const definition = statement.childForFieldName("definition") ?? statement;
    const decorators = statement.namedChildren
        .filter((child): child is SyntaxNode => child !== null && child.type === "decorator")
        .map((decorator) => oneLine(decorator.text))
        .filter((text) => KEPT_DECORATORS.test(text));
    return { decorators, definition };
}

/** `def name(params) -> type:` on one line, then the docstring's first line or `...`. */
function functionStub(definition: SyntaxNode, indent: string): string[] {
    const body = definition.childForFieldName("body");
    const header = oneLine(headerText(definition, body));
    const docstring = body ? docstringFirstLine(body) : undefined;
    if (docstring === undefined) return [`${indent}${header} ...`];
    return [`${indent}${header}`, `${indent}${STUB_INDENT}${docstring}`];
}

function classStub(definition: SyntaxNode): string[] {
    const body = definition.childForFieldName("body");
    const lines = [oneLine(headerText(definition, body))];
    const docstring = body ? docstringFirstLine(body) : undefined;
    if (docstring !== undefined) lines.push(`${STUB_INDENT}${docstring}`);
    let methods = 0;
    for (const member of body?.namedChildren ?? []) {
        if (member === null) continue;
        const { decorators, definition: inner } = unwrapDecorated(member);
        if (inner.type === "function_definition") {
            const name = inner.childForFieldName("name")?.text ?? "";
            // Private helpers are not part of what another file uses; dunders like __init__ are.
            if (name.startsWith("_") && !(name.startsWith("__") && name.endsWith("__"))) continue;
            if (methods++ >= MAX_METHODS_PER_CLASS) break;
            lines.push(...decorators.map((decorator) => `${STUB_INDENT}${decorator}`), ...functionStub(inner, STUB_INDENT));
            continue;
        }
        const field = assignmentOf(member);
        if (field !== undefined && !field.name.startsWith("_")) lines.push(`${STUB_INDENT}${field.line}`);
    }
    if (lines.length === 1) lines[0] += " ...";
    return lines;
}

/**
 * The definition's text before its body (`def f(a, b) -> int:`, `class C(Base):`), without the
 * comments the parser found inside it (a multi-line signature's `# the login` notes).
 */
function headerText(definition: SyntaxNode, body: SyntaxNode | null): string {
    const start = definition.startIndex;
    const end = body === null ? definition.endIndex : body.startIndex;
    const text = definition.text.slice(0, end - start);
    let result = "";
    let from = 0;
    for (const comment of definition.descendantsOfType("comment")) {
        if (comment === null || comment.startIndex >= end) continue;
        result += text.slice(from, comment.startIndex - start);
        from = comment.endIndex - start;
    }
    return (result + text.slice(from)).trimEnd();
}

/** The first line of a docstring as a one-line string literal, or undefined when there is none. */
function docstringFirstLine(body: SyntaxNode): string | undefined {
    const first = body.namedChildren[0];
    if (first?.type !== "expression_statement") return undefined;
    const literal = first.namedChildren[0];
    if (literal?.type !== "string") return undefined;
    const match = /^([rRuU]?)("""|'''|"|')([\s\S]*?)(?:\2)?$/.exec(literal.text);
    if (match === null) return undefined;
    const [, prefix, , content] = match;
    let line = content.split("\n").map((part) => part.trim()).find((part) => part.length > 0) ?? "";
    line = line.replace(/("""|''')$/, "").trim();
    if (line.length === 0) return undefined;
    if (line.length > MAX_DOCSTRING_LINE) line = line.slice(0, line.lastIndexOf(" ", MAX_DOCSTRING_LINE) > 0 ? line.lastIndexOf(" ", MAX_DOCSTRING_LINE) : MAX_DOCSTRING_LINE) + " ...";
    // A docstring that itself contains triple quotes cannot be re-quoted safely.
    if (line.includes('"""')) return undefined;
    return `${prefix}"""${line}"""`;
}

interface Assignment {
    readonly name: string;
    readonly line: string;
}

/** `NAME = value` / `name: type = value` at statement level, as one stub line. */
function assignmentOf(statement: SyntaxNode): Assignment | undefined {
    if (statement.type !== "expression_statement") return undefined;
    const assignment = statement.namedChildren[0];
    if (assignment?.type !== "assignment") return undefined;
    const left = assignment.childForFieldName("left");
    if (left?.type !== "identifier") return undefined;
    const type = assignment.childForFieldName("type");
    const right = assignment.childForFieldName("right");
    const name = left.text;
    const typed = type ? `${name}: ${oneLine(type.text)}` : name;
    if (right === null) return { name, line: typed };
    const full = `${typed} = ${right.text}`;
    if (!full.includes("\n") && full.length <= MAX_CONSTANT_LINE) return { name, line: full };
    return { name, line: `${typed} = ...` };
}

function isPublic(name: string): boolean {
    return !name.startsWith("_");
}

/** UPPER_CASE names (and dunder module attributes like `__all__` are left out). */
function isConstantName(name: string): boolean {
    return /^[A-Z][A-Z0-9_]*$/.test(name);
}

/** Joins a multi-line header onto one line (`def f(\n    a,\n    b,\n):` -> `def f(a, b):`). */
function oneLine(text: string): string {
    if (!text.includes("\n")) return text.trim();
    return text
        .replace(/\s*\n\s*/g, " ")
        .replace(/\(\s+/g, "(")
        .replace(/,?\s+\)/g, ")")
        .replace(/,?\s+\]/g, "]")
        .replace(/\s{2,}/g, " ")
        .trim();
}
