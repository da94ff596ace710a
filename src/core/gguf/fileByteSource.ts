// A GgufByteSource over a file on disk, read with positioned reads (never the whole file).
import { open } from "node:fs/promises";
import type { GgufByteSource } from "./ggufHeader";

/** Opens `filePath`, runs `use` with a byte source over it and closes the file again. */
export async function withFileByteSource<T>(filePath: string, use: (source: GgufByteSource) => Promise<T>): Promise<T> {
    const file = await open(filePath, "r");
    try {
        const { size } = await file.stat();
        return await use({
            size,
            async read(offset, length) {
                const buffer = new Uint8Array(Math.min(length, size - offset));
                const { bytesRead } = await file.read(buffer, 0, buffer.length, offset);
                return buffer.subarray(0, bytesRead);
            },
        });
    } finally {
        await file.close();
    }
}
