/** One event of the streams: a DAG's overview as it changed, numbered. */
export interface StatusEvent {
  /** Increases with every new event, across DAGs and across restarts of the process. */
  readonly id: number;
  readonly dagId: string;
  /** A digest of what the overview shows (all but `fetched_at`): an overview with the same tells nothing new. */
  readonly shows: string;
  /** As the wire carries it, made once for every stream. */
  readonly frame: string;
}

/** The most recent events, for streams that resume (`Last-Event-ID`): a ring, so memory stays bounded. */
export class EventsRing {
  private readonly slots: (StatusEvent | undefined)[];
  private next = 0;
  private size = 0;

  /** `floor`: every event with a greater id is held (ids after it have not been dropped). */
  constructor(
    private readonly capacity: number,
    private floor: number,
  ) {
    this.slots = new Array<StatusEvent | undefined>(capacity);
  }

  push(event: StatusEvent): void {
    const dropped = this.slots[this.next];
    if (this.size === this.capacity && dropped !== undefined) this.floor = dropped.id;
    this.slots[this.next] = event;
    this.next = (this.next + 1) % this.capacity;
    this.size = Math.min(this.size + 1, this.capacity);
  }

  /** The events after `id`, oldest first; undefined when it cannot resume from `id` (too old, or never issued). */
  after(id: number, lastIssued: number): StatusEvent[] | undefined {
    if (!Number.isSafeInteger(id) || id < this.floor || id > lastIssued) return undefined;
    const events: StatusEvent[] = [];
    for (let i = 0; i < this.size; i++) {
      const event = this.slots[(this.next - this.size + i + this.capacity) % this.capacity];
      if (event !== undefined && event.id > id) events.push(event);
    }
    return events;
  }
}
