// A failed create must leave nothing behind: every step that makes something
// registers how to undo it, and a failure undoes them in reverse order.
export class Unwinder {
  private steps: (() => void)[] = [];

  push(undo: () => void): void {
    this.steps.push(undo);
  }

  /** Undo everything; errors while undoing are ignored so every step gets its turn. */
  run(): void {
    for (const undo of this.steps.reverse()) {
      try {
        undo();
      } catch {
        // keep unwinding
      }
    }
    this.steps = [];
  }

  /** The steps now belong to a live container: nothing to undo. */
  commit(): void {
    this.steps = [];
  }
}
