import * as assert from "node:assert/strict";
import type { Parser } from "@vscode/tree-sitter-wasm";
import { locateTreeSitterWasmDirectory } from "../../../src/cli/treeSitterWasm";
import { CompletionEngine } from "../../../src/core/completion/CompletionEngine";
import { DEFAULT_COMPLETION_SETTINGS, withSettings } from "../../../src/core/completion/CompletionSettings";
import { createTextSnapshot } from "../../../src/core/python/textSnapshot";
import { importedModules, moduleFileCandidates } from "../../../src/core/context/localImports";
import { ProjectContext, renderSections } from "../../../src/core/context/ProjectContext";
import type { ProjectFile, ProjectFileSource } from "../../../src/core/context/ProjectContext";
import { outlineModule } from "../../../src/core/context/pythonOutline";
import { RecentSnippets, jaccardSimilarity } from "../../../src/core/context/RecentSnippets";
import { loadPythonParser } from "../../../src/core/syntax/pythonParser";
import { FakeTextGenerator } from "../completion/fakeTextGenerator";

const MODELS = [
    '"""Models of the shop."""',
    "import os",
    "",
    "MAX_USERS = 100",
    "_PRIVATE_LIMIT = 3",
    "DEFAULT_NAMES = [",
    "    'a',",
    "]",
    "",
    "@dataclass",
    "class User(Base):",
    '    """A registered user.',
    "",
    "    Longer text that the stub leaves out.",
    '    """',
    "    name: str",
    "    email: str = ''",
    "    _cache = {}",
    "",
    "    def __init__(self, name, email):",
    "        self.name = name  # def not_a_method(): inside a comment",
    "",
    "    @property",
    "    def display(self) -> str:",
    '        """Name and email."""',
    "        return f'{self.name} <{self.email}>'",
    "",
    "    def _helper(self):",
    "        pass",
    "",
    "def create_user(",
    "    name: str,  # the login",
    "    email: str = '#none',",
    ") -> User:",
    '    """Create and save a user."""',
    "    text = 'def fake(): pass'",
    "    return User(name, email)",
    "",
    "def _private():",
    "    pass",
].join("\n");

class MemoryFiles implements ProjectFileSource {
    reads = 0;
    constructor(readonly files: Map<string, string>) {}
    async read(path: string): Promise<ProjectFile | undefined> {
        this.reads++;
        const text = this.files.get(path);
        return text === undefined ? undefined : { text, stamp: String(text.length) };
    }
}

function doc(text: string, uri = "file:///ws/shop/views.py") {
    return createTextSnapshot(text, { uri });
}

describe("project context", () => {
    let parser: Parser;
    before(async () => {
        parser = await loadPythonParser(locateTreeSitterWasmDirectory());
    });
    after(() => parser.delete());
    const parse = (source: string) => parser.parse(source);

    describe("outlineModule", () => {
        it("keeps signatures, class headers with public methods and fields, docstring first lines and constants", () => {
            const tree = parse(MODELS)!;
            const entries = outlineModule(tree.rootNode);
            tree.delete();
            assert.deepEqual(entries.map((entry) => [entry.name, entry.public]), [["MAX_USERS", true], ["DEFAULT_NAMES", true], ["User", true], ["create_user", true], ["_private", false]]);
            assert.deepEqual(entries.find((entry) => entry.name === "User")!.lines, [
                "@dataclass",
                "class User(Base):",
                '    """A registered user."""',
                "    name: str",
                "    email: str = ''",
                "    def __init__(self, name, email): ...",
                "    @property",
                "    def display(self) -> str:",
                '        """Name and email."""',
            ]);
            assert.deepEqual(entries.find((entry) => entry.name === "create_user")!.lines, [
                "def create_user(name: str, email: str = '#none') -> User:",
                '    """Create and save a user."""',
            ]);
            assert.deepEqual(entries.find((entry) => entry.name === "MAX_USERS")!.lines, ["MAX_USERS = 100"]);
            // A multi-line value is not copied.
            assert.deepEqual(entries.find((entry) => entry.name === "DEFAULT_NAMES")!.lines, ["DEFAULT_NAMES = ..."]);
        });

        it("leaves out private names, bodies, and code inside strings and comments", () => {
            const tree = parse(MODELS)!;
            const text = outlineModule(tree.rootNode).filter((entry) => entry.public).flatMap((entry) => entry.lines).join("\n");
            tree.delete();
            for (const absent of ["_private", "_helper", "_PRIVATE_LIMIT", "_cache", "not_a_method", "fake", "return User", "Longer text", "import os"]) {
                assert.ok(!text.includes(absent), `${absent} should not be in the outline:\n${text}`);
            }
        });

        it("renders valid Python", () => {
            const tree = parse(MODELS)!;
            const stub = outlineModule(tree.rootNode).flatMap((entry) => entry.lines).join("\n");
            tree.delete();
            const check = parse(stub)!;
            assert.equal(check.rootNode.hasError, false, stub);
            check.delete();
        });
    });

    describe("imports and module files", () => {
        it("lists imported modules with the names taken from them", () => {
            const document = doc("from __future__ import annotations\nfrom .models import User as U, create_user\nimport shop.util as u\nfrom . import (\n    forms,\n)\nfrom x import *\n\nprint(U)\n");
            assert.deepEqual(importedModules(document), [
                { module: ".models", names: ["User", "create_user"], line: 1, endLine: 1 },
                { module: "shop.util", line: 2, endLine: 2 },
                { module: ".", names: ["forms"], line: 3, endLine: 5 },
            ]);
        });

        it("resolves relative and absolute modules to workspace files", () => {
            assert.deepEqual(moduleFileCandidates("shop/views.py", ".models"), ["shop/models.py", "shop/models/__init__.py"]);
            assert.deepEqual(moduleFileCandidates("shop/api/views.py", "..models"), ["shop/models.py", "shop/models/__init__.py"]);
            assert.deepEqual(moduleFileCandidates("shop/views.py", "shop.util"), ["shop/util.py", "shop/util/__init__.py", "shop/shop/util.py", "shop/shop/util/__init__.py"]);
            assert.deepEqual(moduleFileCandidates("shop/views.py", "."), ["shop/__init__.py"]);
            assert.deepEqual(moduleFileCandidates("views.py", "..."), []);
        });
    });

    describe("ProjectContext.render", () => {
        const files = () => new MemoryFiles(new Map([
            ["shop/models.py", MODELS],
            ["shop/forms.py", "class LoginForm:\n    def validate(self): ...\n"],
            ["shop/util.py", "def slug(text):\n    return text.lower()\n\nTIMEOUT = 5\n"],
        ]));

        it("puts the imported definitions, then the current file's marker, before the file", async () => {
            const context = new ProjectContext(files(), parse);
            const rendered = await context.render({
                document: doc("from .models import User\nfrom . import forms\nimport os\n\ndef view():\n    u = User("),
                relativePath: "shop/views.py", budgetTokens: 400, mode: "definitions",
            });
            assert.ok(rendered.text.startsWith("# file: shop/models.py\n@dataclass\nclass User(Base):\n"), rendered.text);
            assert.ok(rendered.text.includes("# file: shop/forms.py\nclass LoginForm:\n    def validate(self): ..."), rendered.text);
            assert.ok(rendered.text.endsWith("\n\n# file: shop/views.py\n"), rendered.text);
            assert.ok(!rendered.text.includes("create_user"), "only the imported name is included");
            assert.deepEqual(rendered.files, ["shop/models.py", "shop/forms.py"]);
            assert.ok(rendered.estimatedTokens > 0 && rendered.estimatedTokens <= 400);
        });

        it("is identical across keystrokes below the imports and changes when an import changes", async () => {
            const context = new ProjectContext(files(), parse);
            const render = (text: string) => context.render({ document: doc(text), relativePath: "shop/views.py", budgetTokens: 400, mode: "definitions" });
            const first = await render("from .models import User\n\ndef view():\n    u = Us");
            const typed = await render("from .models import User\n\ndef view():\n    u = User(name='x')\n    return u");
            assert.equal(typed.text, first.text);
            const imported = await render("from .models import User, create_user\n\ndef view():\n    u = Us");
            assert.notEqual(imported.text, first.text);
            assert.ok(imported.text.includes("def create_user("));
        });

        it("keeps whole entries within the budget, in import order", async () => {
            const context = new ProjectContext(files(), parse);
            const rendered = await context.render({
                document: doc("from .models import create_user, User\n"), relativePath: "shop/views.py", budgetTokens: 70, mode: "definitions",
            });
            assert.ok(rendered.text.includes("def create_user("), rendered.text);
            assert.ok(!rendered.text.includes("class User"), "the class does not fit after the function");
            assert.ok(rendered.estimatedTokens <= 70);
        });

        it("gives nothing for mode none, files outside the workspace, or imports of installed packages", async () => {
            const context = new ProjectContext(files(), parse);
            const base = { budgetTokens: 400 } as const;
            assert.equal((await context.render({ ...base, document: doc("from .models import User\n"), relativePath: "shop/views.py", mode: "none" })).text, "");
            assert.equal((await context.render({ ...base, document: doc("from .models import User\n"), relativePath: undefined, mode: "definitions" })).text, "");
            assert.equal((await context.render({ ...base, document: doc("import numpy as np\nfrom os import path\n"), relativePath: "shop/views.py", mode: "definitions" })).text, "");
        });

        it("outlines a module once per content, and again after it changed", async () => {
            const source = files();
            let parses = 0;
            const context = new ProjectContext(source, (text) => { parses++; return parse(text); });
            const request = { document: doc("import shop.util as u\n"), relativePath: "shop/views.py", budgetTokens: 400, mode: "definitions" } as const;
            const first = await context.render(request);
            assert.ok(first.text.includes("def slug(text): ...\nTIMEOUT = 5"), first.text);
            await context.render(request);
            assert.equal(parses, 1);
            source.files.set("shop/util.py", "def slug(text, sep='-'):\n    pass\n");
            const changed = await context.render(request);
            assert.equal(parses, 2);
            assert.ok(changed.text.includes("def slug(text, sep='-'): ..."));
        });

        it("asks the editor's definition lookup only for names the path rules cannot resolve", async () => {
            const source = files();
            source.files.set("src/shop/vendor_widgets.py", "class Widget:\n    def draw(self): ...\n\nclass Other:\n    pass\n");
            const asked: { line: number; endLine: number; name: string }[] = [];
            const locateDefinition = async (query: { line: number; endLine: number; name: string }) => {
                asked.push(query);
                return query.name === "Widget" ? "src/shop/vendor_widgets.py" : undefined;
            };
            const rendered = await new ProjectContext(source, parse).render({
                document: doc("from .models import User\nfrom widgets import Widget, Missing\n"), relativePath: "shop/views.py", budgetTokens: 400, mode: "definitions", locateDefinition,
            });
            assert.deepEqual(asked, [{ line: 1, endLine: 1, name: "Widget" }, { line: 1, endLine: 1, name: "Missing" }], "User resolves by path: not asked");
            assert.ok(rendered.text.includes("# file: src/shop/vendor_widgets.py\nclass Widget:\n    def draw(self): ..."), rendered.text);
            assert.ok(!rendered.text.includes("class Other"), "only the located name");
            assert.deepEqual(rendered.files, ["shop/models.py", "src/shop/vendor_widgets.py"]);
        });

        it("adds recent snippets of other files only in mode definitions+recent, after the definitions", async () => {
            const context = new ProjectContext(files(), parse);
            const recent = [{ path: "shop/admin.py", lines: ["def ban(user):", "    user.active = False"] }, { path: "shop/views.py", lines: ["own file"] }];
            const request = { document: doc("from .models import User\n"), relativePath: "shop/views.py", budgetTokens: 400, recent } as const;
            const withRecent = await context.render({ ...request, mode: "definitions+recent" });
            assert.ok(withRecent.text.indexOf("# file: shop/admin.py") > withRecent.text.indexOf("class User"), withRecent.text);
            assert.ok(!withRecent.text.includes("own file"), "the current file is not its own context");
            const without = await context.render({ ...request, mode: "definitions" });
            assert.ok(!without.text.includes("shop/admin.py"));
        });
    });

    describe("renderSections", () => {
        it("returns no text when nothing fits", () => {
            const rendered = renderSections([{ path: "a.py", entries: [{ name: "f", kind: "function", public: true, lines: ["def f(): ..."] }] }], [], "b.py", 3);
            assert.equal(rendered.text, "");
            assert.equal(rendered.estimatedTokens, 0);
        });
    });

    describe("RecentSnippets", () => {
        const lines = Array.from({ length: 100 }, (_, index) => `line_${index} = ${index}`);
        const lineAt = (line: number) => lines[line]!;

        it("keeps the lines around the cursor, most recent first, up to its capacity", () => {
            const ring = new RecentSnippets({ capacity: 2, radiusLines: 2, similarityThreshold: 0.9 });
            ring.remember("a.py", lineAt, lines.length, 10);
            ring.remember("b.py", lineAt, lines.length, 50);
            ring.remember("c.py", lineAt, lines.length, 80);
            assert.deepEqual(ring.all.map((snippet) => snippet.path), ["c.py", "b.py"]);
            assert.deepEqual(ring.all[0]!.lines, ["line_78 = 78", "line_79 = 79", "line_80 = 80", "line_81 = 81", "line_82 = 82"]);
        });

        it("replaces a snippet that is nearly the same code instead of adding it", () => {
            const ring = new RecentSnippets({ capacity: 4, radiusLines: 10, similarityThreshold: 0.8 });
            ring.remember("a.py", lineAt, lines.length, 30);
            ring.remember("a.py", lineAt, lines.length, 31);
            assert.equal(ring.all.length, 1);
            ring.remember("a.py", lineAt, lines.length, 70);
            assert.equal(ring.all.length, 2);
        });

        it("measures similarity on trimmed non-blank lines", () => {
            assert.equal(jaccardSimilarity(["a", " b", ""], ["b", "a"]), 1);
            assert.equal(jaccardSimilarity(["a", "b"], ["b", "c"]), 1 / 3);
        });
    });

    describe("in the completion prompt", () => {
        it("comes first, and the file's window gets the rest of the budget", async () => {
            const generator = new FakeTextGenerator(() => ["x"]);
            const settings = withSettings(DEFAULT_COMPLETION_SETTINGS, { debounce: { warmMs: 0, coldMs: 0 }, maxPromptTokens: 200 });
            const engine = new CompletionEngine(generator, { settings });
            const body = Array.from({ length: 120 }, (_, index) => `value_${index} = ${index}`).join("\n");
            const document = createTextSnapshot(`${body}\nresult = `, { uri: "file:///ws/a.py" });
            const position = { line: 120, character: 9 };
            const without = await engine.complete({ document, position, signal: new AbortController().signal, trigger: "explicit" });
            const projectContext = { text: "# file: b.py\ndef helper(): ...\n\n# file: a.py\n", estimatedTokens: 60, files: ["b.py"] };
            const withContext = await engine.complete({ document, position, signal: new AbortController().signal, trigger: "explicit", projectContext });
            const [plainPrompt, contextPrompt] = generator.calls.map((call) => call.prompt);
            assert.ok(contextPrompt!.startsWith(projectContext.text));
            assert.ok(contextPrompt!.endsWith("result = "));
            assert.equal(withContext.stats.prompt.contextTokens, 60);
            assert.equal(without.stats.prompt.contextTokens, 0);
            assert.ok(withContext.stats.prompt.windowStartLine > without.stats.prompt.windowStartLine, "fewer file lines fit next to the context");
            assert.ok(plainPrompt!.length > contextPrompt!.length - projectContext.text.length);
        });
    });
});
