// Workspace files on disk for the project context of the CLI and the benchmark (the extension
// reads open editors first, through VS Code). Paths are relative to the workspace root; a path
// that would leave the root, or a file larger than the outline ever reads, is treated as absent.
import { readFile, stat } from "node:fs/promises";
import * as path from "node:path";
import { MAX_CONTEXT_FILE_BYTES } from "../core/context/ProjectContext";
import type { ProjectFile, ProjectFileSource } from "../core/context/ProjectContext";

export class DiskProjectFiles implements ProjectFileSource {
    constructor(readonly root: string) {}

    async read(relativePath: string): Promise<ProjectFile | undefined> {
        const absolute = path.resolve(this.root, relativePath);
        if (path.relative(this.root, absolute).startsWith("..")) return undefined;
        try {
            const info = await stat(absolute);
            if (!info.isFile() || info.size > MAX_CONTEXT_FILE_BYTES) return undefined;
            return { text: await readFile(absolute, "utf8"), stamp: `${info.mtimeMs}:${info.size}` };
        } catch {
            return undefined;
        }
    }

    /** The file's path relative to the root (posix separators), or undefined outside it. */
    relativePathOf(filePath: string): string | undefined {
        const relative = path.relative(this.root, path.resolve(filePath));
        if (relative === "" || relative.startsWith("..") || path.isAbsolute(relative)) return undefined;
        return relative.split(path.sep).join("/");
    }
}
