import assert from "node:assert/strict";
import { detectFileHeaderEnd } from "../../../src/core/completion/fileHeader";
import { indexOfName, startsImport, topLevelImports } from "../../../src/core/python/imports";
import { createTextSnapshot } from "../../../src/core/python/textSnapshot";

// The file header (completion prompt) and the top-level imports (explain, project context) once
// used two regexes that disagreed on these; both now use the one import scanner.
describe("the import scanner", () => {
    it("recognises import statements by their keyword", () => {
        for (const line of ["import os", "from os import path", "from . import a", "from.pkg import name", "from x \\", "import\tsys"]) {
            assert.equal(startsImport(line), true, line);
        }
        for (const line of ["imported = 1", "fromage = 2", "important()", "# import os", "import"]) {
            assert.equal(startsImport(line), false, line);
        }
    });

    it("takes a from-import continued by a backslash before `import` as an import, in the header too", () => {
        const document = createTextSnapshot("from collections \\\n    import OrderedDict\nimport os\n\nx = 1\n");
        assert.deepEqual(topLevelImports(document), [
            { statement: "from collections \\ import OrderedDict", line: 0, endLine: 1 },
            { statement: "import os", line: 2, endLine: 2 },
        ]);
        assert.equal(detectFileHeaderEnd(document), 3);
    });

    it("takes `from.pkg import name` (no space before the dot) as an import, in the header too", () => {
        const document = createTextSnapshot("from.models import User\nx = User()\n");
        assert.deepEqual(topLevelImports(document), [{ statement: "from.models import User", line: 0, endLine: 0 }]);
        assert.equal(detectFileHeaderEnd(document), 1);
    });

    it("ends a parenthesised import at its closing bracket, not at one in a comment", () => {
        const document = createTextSnapshot("from x import (a,  # b)\n    c)\nprint(a)\n");
        assert.deepEqual(topLevelImports(document), [{ statement: "from x import (a, c)", line: 0, endLine: 1 }]);
        assert.equal(detectFileHeaderEnd(document), 2);
    });

    it("leaves out imports written inside a string", () => {
        const document = createTextSnapshot('"""Usage:\nimport this\n"""\nimport os\n');
        assert.deepEqual(topLevelImports(document), [{ statement: "import os", line: 3, endLine: 3 }]);
        assert.equal(detectFileHeaderEnd(document), 4);
    });

    it("finds a name used on its own, not as an attribute or inside a longer name", () => {
        assert.equal(indexOfName("return np.mean(x)", "np"), 7);
        assert.equal(indexOfName("from pkg import Widget, Slow", "Slow", 16), 24);
        assert.equal(indexOfName("self.np = numpy", "np"), -1, "an attribute");
        assert.equal(indexOfName("snp = 1; np_x = 2", "np"), -1, "inside longer names");
        assert.equal(indexOfName("from Widget import Widget", "Widget", 12), 19, "searched from the index on");
        assert.equal(indexOfName("aab = 1", "a+b"), -1, "regex characters are literal");
    });
});
