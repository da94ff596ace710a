// Reads ZIP archives (a VSIX is one) without a dependency: the packaging test lists and unpacks
// the VSIX that vsce wrote. Covers what vsce's writer produces: stored or deflated entries, no
// ZIP64, no encryption.
import { mkdir, readFile, writeFile } from "node:fs/promises";
import * as path from "node:path";
import { inflateRawSync } from "node:zlib";

const END_OF_CENTRAL_DIRECTORY = 0x06054b50;
const CENTRAL_DIRECTORY_ENTRY = 0x02014b50;
const LOCAL_FILE_HEADER = 0x04034b50;
const STORED = 0;
const DEFLATED = 8;

export interface ZipEntry {
    /** Path inside the archive, `/`-separated; folders end with `/`. */
    readonly name: string;
    readonly uncompressedSize: number;
    readonly data: () => Buffer;
}

export function readZipEntries(archive: Buffer): ZipEntry[] {
    // The end record is the last 22 bytes unless the archive has a comment (up to 65,535 bytes).
    let end = -1;
    for (let offset = archive.length - 22; offset >= Math.max(0, archive.length - 22 - 0xffff); offset--) {
        if (archive.readUInt32LE(offset) === END_OF_CENTRAL_DIRECTORY) {
            end = offset;
            break;
        }
    }
    if (end < 0) throw new Error("Not a ZIP archive: no end-of-central-directory record.");
    const entryCount = archive.readUInt16LE(end + 10);
    let offset = archive.readUInt32LE(end + 16);
    if (entryCount === 0xffff || offset === 0xffffffff) throw new Error("ZIP64 archives are not supported.");

    const entries: ZipEntry[] = [];
    for (let index = 0; index < entryCount; index++) {
        if (archive.readUInt32LE(offset) !== CENTRAL_DIRECTORY_ENTRY) throw new Error(`Corrupt ZIP: bad central directory entry ${index}.`);
        const flags = archive.readUInt16LE(offset + 8);
        const method = archive.readUInt16LE(offset + 10);
        const compressedSize = archive.readUInt32LE(offset + 20);
        const uncompressedSize = archive.readUInt32LE(offset + 24);
        const nameLength = archive.readUInt16LE(offset + 28);
        const extraLength = archive.readUInt16LE(offset + 30);
        const commentLength = archive.readUInt16LE(offset + 32);
        const localHeader = archive.readUInt32LE(offset + 42);
        const name = archive.toString(flags & 0x800 ? "utf8" : "latin1", offset + 46, offset + 46 + nameLength);
        offset += 46 + nameLength + extraLength + commentLength;
        if (flags & 0x1) throw new Error(`${name}: encrypted ZIP entries are not supported.`);
        if (method !== STORED && method !== DEFLATED) throw new Error(`${name}: unsupported compression method ${method}.`);
        const data = (): Buffer => {
            if (archive.readUInt32LE(localHeader) !== LOCAL_FILE_HEADER) throw new Error(`Corrupt ZIP: bad local header of ${name}.`);
            // The local header's own name and extra lengths may differ from the central directory's.
            const start = localHeader + 30 + archive.readUInt16LE(localHeader + 26) + archive.readUInt16LE(localHeader + 28);
            const raw = archive.subarray(start, start + compressedSize);
            const content = method === STORED ? Buffer.from(raw) : inflateRawSync(raw);
            if (content.length !== uncompressedSize) throw new Error(`Corrupt ZIP: ${name} has ${content.length} bytes, expected ${uncompressedSize}.`);
            return content;
        };
        entries.push({ name, uncompressedSize, data });
    }
    return entries;
}

/** Writes every file of the archive under `directory`; returns the entry names. */
export async function extractZip(archivePath: string, directory: string): Promise<string[]> {
    const entries = readZipEntries(await readFile(archivePath));
    const root = path.resolve(directory);
    for (const entry of entries) {
        const target = path.resolve(root, entry.name);
        if (!target.startsWith(root + path.sep)) throw new Error(`${entry.name} would be written outside ${root}.`);
        if (entry.name.endsWith("/")) {
            await mkdir(target, { recursive: true });
            continue;
        }
        await mkdir(path.dirname(target), { recursive: true });
        await writeFile(target, entry.data());
    }
    return entries.map((entry) => entry.name);
}
