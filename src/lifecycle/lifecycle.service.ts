import { Injectable } from '@nestjs/common';

/** Whether the process is draining: set once a stop signal arrives, read by readiness. */
@Injectable()
export class LifecycleService {
  private drainingSince: Date | null = null;

  get isDraining(): boolean {
    return this.drainingSince !== null;
  }

  beginDrain(): void {
    this.drainingSince ??= new Date();
  }
}
