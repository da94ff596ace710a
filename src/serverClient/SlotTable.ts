// Which llama-server slot each sequence key (one per document, one for explanations) uses, so each
// keeps its prompt in that slot's cache like the local host's KV sequences. More keys than slots:
// the least recently used slot goes to the new key. Several editors share one server, so each
// client starts at its own offset in the slot list: two users' first documents do not land on the
// same slot (and wait for each other) unless there are more users than slots.

export class SlotTable {
    private readonly slotByKey = new Map<string, number>();
    /** Slot ids for ordinary keys, least recently used first. */
    private readonly order: number[];
    private readonly dedicated: number | undefined;

    /**
     * `dedicatedKey` (explanations) gets a slot of its own when there are at least two slots.
     * `offset` is where this client starts in the server's slot list.
     */
    constructor(totalSlots: number, offset: number, private readonly dedicatedKey?: string) {
        const slots = Math.max(1, Math.floor(totalSlots));
        const ids = Array.from({ length: slots }, (_, index) => (index + Math.floor(offset)) % slots);
        if (dedicatedKey !== undefined && slots >= 2) this.dedicated = ids.pop();
        this.order = ids;
    }

    /** The slot for `key`; `onEvicted` hears of a key that lost this slot (and its cached prompt) to `key`. */
    slotFor(key: string, onEvicted?: (evictedKey: string) => void): number {
        if (key === this.dedicatedKey && this.dedicated !== undefined) return this.dedicated;
        let slot = this.slotByKey.get(key);
        if (slot === undefined) {
            slot = this.order[0] ?? 0;
            for (const [otherKey, otherSlot] of this.slotByKey) {
                if (otherSlot !== slot) continue;
                this.slotByKey.delete(otherKey);
                onEvicted?.(otherKey);
            }
            this.slotByKey.set(key, slot);
        }
        this.order.splice(this.order.indexOf(slot), 1);
        this.order.push(slot);
        return slot;
    }

    forget(key: string): void {
        this.slotByKey.delete(key);
    }
}
