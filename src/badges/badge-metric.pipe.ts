import { BadRequestException, Injectable, type PipeTransform } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { AllConfig } from '../config/config.type.js';
import { parseDuration } from '../config/config.parsers.js';

/** `?metric=` of a reliability badge: a ratio and one of RELIABILITY_WINDOWS. */
export interface BadgeMetric {
  readonly metric: 'success' | 'on_time';
  readonly windowMs: number;
  /** As asked, e.g. `success_30d`. */
  readonly name: string;
}

const METRIC = /^(success|on_time)_(\d{1,6}[mhd])$/;

/** `success_30d`, `on_time_7d`, …: over a window the figures cover; absent for the status badge. */
@Injectable()
export class BadgeMetricPipe implements PipeTransform<unknown, BadgeMetric | undefined> {
  private readonly windows: readonly number[];

  constructor(config: ConfigService<AllConfig, true>) {
    this.windows = config.getOrThrow('reliability', { infer: true }).windows;
  }

  transform(value: unknown): BadgeMetric | undefined {
    if (value === undefined) return undefined;
    const match = typeof value === 'string' ? METRIC.exec(value) : null;
    const windowMs = match === null ? undefined : parseDuration(match[2]);
    if (match === null || windowMs === undefined || !this.windows.includes(windowMs)) {
      throw new BadRequestException(
        'metric must be success_<window> or on_time_<window> with a window of RELIABILITY_WINDOWS, e.g. success_30d',
      );
    }
    return { metric: match[1] as BadgeMetric['metric'], windowMs, name: match[0] };
  }
}
