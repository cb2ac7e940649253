import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { Request, Response } from 'express';
import { AirflowError } from '../airflow/airflow.errors.js';
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
    // Answers are cached for the TTL: asking again sooner cannot bring news.
    this.retryAfterSeconds = Math.max(1, Math.ceil(config.getOrThrow('dagStatus', { infer: true }).cacheTtlMs / 1000));
  }

  catch(exception: unknown, host: ArgumentsHost): void {
    const ctx = host.switchToHttp();
    const response = ctx.getResponse<Response>();
    const request = ctx.getRequest<Request>();
    if (response.headersSent) return;

    let status: number;
    let body: object;
    if (exception instanceof AirflowError) {
      status = exception.httpStatus;
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
      this.logger.error(`Unhandled error on ${request.method} ${request.path}`, exception instanceof Error ? exception.stack : String(exception), {
        request_id: response.getHeader('X-Request-Id'),
      });
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
