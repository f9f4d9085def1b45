// The per-step timing trace: with --debug, create, run, start and exec log
// each step with its duration as runc-style debug lines, so a user can see
// where the time of one container start goes, e.g.
//   level=debug msg="timing: create: compile plan 0.41 ms (at 12.80 ms)"
// "at" counts from the process' start (performance's time origin), so the
// first step also shows what the JS runtime and module loading cost.
import { log } from '../cli/log.js';

export class StepTimer {
  private last = performance.now();

  constructor(private readonly command: string) {
    this.emit('start-up', this.last, 0);
  }

  /** Logs the step that just ended: its duration since the previous step. */
  step(name: string): void {
    const now = performance.now();
    this.emit(name, now, now - this.last);
    this.last = now;
  }

  private emit(name: string, at: number, took: number): void {
    log.debug(`timing: ${this.command}: ${name} ${took.toFixed(2)} ms (at ${at.toFixed(2)} ms)`);
  }
}
