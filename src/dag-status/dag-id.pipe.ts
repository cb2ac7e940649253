import { BadRequestException, Injectable, type PipeTransform } from '@nestjs/common';
import { DAG_ID_PATTERN } from '../config/config.parsers.js';

/** Validates a DAG id the way Airflow does, so a malformed id never reaches Airflow. */
@Injectable()
export class DagIdPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (!DAG_ID_PATTERN.test(value)) {
      throw new BadRequestException("Invalid DAG id: use letters, digits, '_', '.' and '-' only, at most 250 characters");
    }
    return value;
  }
}
