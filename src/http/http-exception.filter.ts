import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { Request, Response } from 'express';
import { AirflowError, type AirflowFailureReason } from '../airflow/airflow.errors.js';
import type { AllConfig } from '../config/config.type.js';
import type { ErrorDto } from './error.dto.js';

const REASONS: Partial<Record<number, string>> = {
  400: 'bad_request',
  404: 'not_found',
  405: 'method_not_allowed',
  406: 'not_acceptable',
  413: 'payload_too_large',
  429: 'too_many_requests',
  503: 'service_unavailable',
};

/** The status we answer each Airflow failure with; the errors themselves only say what happened. */
const AIRFLOW_STATUS: Record<AirflowFailureReason, HttpStatus> = {
  airflow_unreachable: HttpStatus.SERVICE_UNAVAILABLE,
  airflow_timeout: HttpStatus.GATEWAY_TIMEOUT,
  // Our credentials, not the client's: the service is unavailable until an operator fixes them.
  airflow_auth_refused: HttpStatus.SERVICE_UNAVAILABLE,
  // Likewise our settings: unavailable until an operator changes them.
  config_mismatch: HttpStatus.SERVICE_UNAVAILABLE,
  airflow_bad_response: HttpStatus.BAD_GATEWAY,
  dag_not_found: HttpStatus.NOT_FOUND,
};

/**
 * Turns every failure into the one JSON error shape, with the right status:
 * Airflow failures by their kind, Nest's HTTP exceptions as they are, anything
 * else as a 500 whose details stay in the log.
 */
@Catch()
export class HttpExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger(HttpExceptionFilter.name);
  private readonly retryAfterSeconds: number;

  constructor(config: ConfigService<AllConfig, true>) {
    this.retryAfterSeconds = config.getOrThrow('http', { infer: true }).retryAfterSeconds;
  }

  catch(exception: unknown, host: ArgumentsHost): void {
    const ctx = host.switchToHttp();
    const response = ctx.getResponse<Response>();
    const request = ctx.getRequest<Request>();
    if (response.headersSent) return;

    let status: number;
    let body: object;
    if (exception instanceof AirflowError) {
      status = AIRFLOW_STATUS[exception.reason];
      body = this.shape(status, exception.reason, exception.message, request);
    } else if (exception instanceof HttpException) {
      status = exception.getStatus();
      const payload = exception.getResponse();
      // Terminus answers its own documented shape ({status, info, error, details}); keep it.
      body =
        typeof payload === 'object' && payload !== null && 'status' in payload && 'details' in payload
          ? payload
          : this.shape(status, REASONS[status] ?? `http_${status}`, this.messageOf(payload, exception), request);
    } else {
      status = HttpStatus.INTERNAL_SERVER_ERROR;
      this.logger.error(
        `Unhandled error on ${request.method} ${request.path}`,
        exception instanceof Error ? exception.stack : String(exception),
        {
          request_id: response.getHeader('X-Request-Id'),
        },
      );
      body = this.shape(status, 'internal_error', 'An unexpected error occurred', request);
    }
    if (status === HttpStatus.SERVICE_UNAVAILABLE) response.setHeader('Retry-After', String(this.retryAfterSeconds));
    response.setHeader('Cache-Control', 'no-store');
    response.status(status).json(body);
  }

  private messageOf(payload: string | object, exception: HttpException): string {
    if (typeof payload === 'string') return payload;
    const message = (payload as { message?: unknown }).message;
    if (Array.isArray(message)) return message.join('; ');
    return typeof message === 'string' ? message : exception.message;
  }

  private shape(status: number, reason: string, message: string, request: Request): ErrorDto {
    return {
      statusCode: status,
      error: HttpStatus[status] ? this.title(status) : 'Error',
      reason,
      message,
      path: request.path,
      timestamp: new Date().toISOString(),
    };
  }

  private title(status: number): string {
    return HttpStatus[status]
      .toLowerCase()
      .split('_')
      .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
      .join(' ');
  }
}
