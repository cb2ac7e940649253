import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, HttpStatus, Logger, Optional } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { HttpAdapterHost } from '@nestjs/core';
import type { Request, Response } from 'express';
import { AirflowError, type AirflowFailureReason } from '../airflow/airflow.errors.js';
import type { AllConfig } from '../config/config.type.js';
import { hasErrorBodyExtension, type ErrorDto } from './error.dto.js';

const REASONS: Partial<Record<number, string>> = {
  400: 'bad_request',
  401: 'unauthorized',
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
  airflow_overloaded: HttpStatus.SERVICE_UNAVAILABLE,
  // Our credentials, not the client's: the service is unavailable until an operator fixes them.
  airflow_auth_refused: HttpStatus.SERVICE_UNAVAILABLE,
  // Likewise our settings: unavailable until an operator changes them.
  config_mismatch: HttpStatus.SERVICE_UNAVAILABLE,
  airflow_bad_response: HttpStatus.BAD_GATEWAY,
  dag_not_found: HttpStatus.NOT_FOUND,
};

/** What the filter reads of Express's router (express 5 / router 2): its route layers. */
interface RouterLayer {
  route?: { methods: Record<string, boolean> };
  match(path: string): unknown;
}

/**
 * Turns every failure into the one JSON error shape, with the right status:
 * Airflow failures by their kind, Nest's HTTP exceptions as they are, anything
 * else as a 500 whose details stay in the log.
 */
@Catch()
export class HttpExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger(HttpExceptionFilter.name);
  private readonly retryAfterSeconds: number;

  constructor(
    config: ConfigService<AllConfig, true>,
    @Optional() private readonly adapterHost?: HttpAdapterHost,
  ) {
    // Answers are reused for STATUS_CACHE_TTL_MS: asking again sooner cannot bring news (whole seconds, at least 1).
    this.retryAfterSeconds = Math.max(1, Math.ceil(config.getOrThrow('dagStatus', { infer: true }).cacheTtlMs / 1000));
  }

  catch(exception: unknown, host: ArgumentsHost): void {
    const ctx = host.switchToHttp();
    const response = ctx.getResponse<Response>();
    const request = ctx.getRequest<Request>();
    if (response.headersSent) return;

    let status: number;
    let body: object;
    let allowed: string[];
    if (exception instanceof AirflowError) {
      status = AIRFLOW_STATUS[exception.reason];
      body = this.shape(status, exception.reason, exception.message, request);
      if (hasErrorBodyExtension(exception)) body = { ...exception.errorBodyExtension, ...body };
    } else if (exception instanceof HttpException && exception.getStatus() === 404 && (allowed = this.otherMethods(request)).length > 0) {
      // A route that exists for other methods: 405 with what it allows, not a 404.
      status = HttpStatus.METHOD_NOT_ALLOWED;
      response.setHeader('Allow', allowed.join(', '));
      body = this.shape(
        status,
        'method_not_allowed',
        `${request.method} is not allowed on ${request.path}; use ${allowed.join(' or ')}`,
        request,
      );
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

  /** The methods the request's path allows when its own is not among them; none otherwise. */
  private otherMethods(request: Request): string[] {
    const allowed = this.allowedMethods(request.path);
    return allowed.includes(request.method.toUpperCase()) ? [] : allowed;
  }

  /** The methods the app's routes answer on `path` (HEAD wherever GET), from Express's router; none when no route matches. */
  private allowedMethods(path: string): string[] {
    const express = this.adapterHost?.httpAdapter?.getInstance<{ router?: { stack?: RouterLayer[] } }>();
    const methods = new Set<string>();
    for (const layer of express?.router?.stack ?? []) {
      if (layer.route === undefined) continue;
      let matches: unknown;
      try {
        matches = layer.match(path);
      } catch {
        matches = false; // a malformed escape in the path: no route of ours
      }
      if (!matches) continue;
      for (const method of Object.keys(layer.route.methods)) if (method !== '_all') methods.add(method.toUpperCase());
    }
    if (methods.has('GET')) methods.add('HEAD');
    return [...methods];
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
