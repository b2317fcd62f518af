/**
 * Slots of work shared by a Map Run's child executions: a child holds one while it runs its Task states, and
 * gives it back while it sits in a Wait state, so that a child waiting for a paused host (seconds to minutes)
 * does not keep the next batches from starting. Free slots go to the lowest child index asking, so the oldest
 * batches finish first.
 */
export class WorkSlots {
  private free: number;
  private readonly asking: { index: number; grant: () => void }[] = [];

  constructor(slots: number) {
    this.free = slots;
  }

  /** Resolves once child `index` holds a slot. */
  acquire(index: number): Promise<void> {
    if (this.free > 0 && this.asking.length === 0) {
      this.free--;
      return Promise.resolve();
    }
    return new Promise<void>((grant) => {
      const at = this.asking.findIndex((a) => a.index > index);
      this.asking.splice(at === -1 ? this.asking.length : at, 0, { index, grant });
    });
  }

  /** Gives a slot back: to the lowest index asking, or to the pool. */
  release(): void {
    const next = this.asking.shift();
    if (next) next.grant();
    else this.free++;
  }
}

/** One child's hold on a slot: taken before each of its Task states, given back in its Wait states and at its end. */
export class ChildSlot {
  private taking: Promise<void> | undefined;

  constructor(
    private readonly slots: WorkSlots,
    private readonly index: number,
    private held: boolean,
  ) {}

  /** Resolves once this child holds a slot (at once when it already does). */
  hold(): Promise<void> {
    if (this.held) return Promise.resolve();
    this.taking ??= this.slots.acquire(this.index).then(() => {
      this.held = true;
      this.taking = undefined;
    });
    return this.taking;
  }

  release(): void {
    if (!this.held) return;
    this.held = false;
    this.slots.release();
  }
}
