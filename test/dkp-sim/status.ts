/**
 * Builders for the apiserver's `Status` error bodies, with the messages kubectl users see.
 * Handlers throw `ApiError`; the server turns it into the JSON body and HTTP code.
 */
import type { FieldError, ResourceDef } from './types.ts';

/** One entry of `details.causes`. */
export interface StatusCause {
  reason?: string;
  message: string;
  field?: string;
}

/** The `metav1.Status` object as sent on the wire. */
export interface StatusBody {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Failure' | 'Success';
  message?: string;
  reason?: string;
  details?: { name?: string; group?: string; kind?: string; causes?: StatusCause[]; retryAfterSeconds?: number };
  code: number;
}

/** An error that carries the Status to answer with (thrown anywhere in request handling). */
export class ApiError extends Error {
  readonly status: StatusBody;
  readonly headers: Record<string, string>;

  constructor(status: StatusBody, headers: Record<string, string> = {}) {
    super(status.message ?? status.reason ?? 'error');
    this.status = status;
    this.headers = headers;
  }
}

/** Builds a failure Status; `details` is left out when empty, as the apiserver does. */
export function failure(code: number, reason: string, message: string, details?: StatusBody['details']): StatusBody {
  const body: StatusBody = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code };
  if (details && Object.keys(details).length > 0) body.details = details;
  return body;
}

/** `modulesources.deckhouse.io` (or `namespaces` for the core group). */
export function qualified(def: ResourceDef): string {
  return def.group ? `${def.plural}.${def.group}` : def.plural;
}

function resourceDetails(def: ResourceDef, name: string): StatusBody['details'] {
  const d: StatusBody['details'] = { name, kind: def.plural };
  if (def.group) d.group = def.group;
  return d;
}

/** 404 `modulesources.deckhouse.io "x" not found`. */
export function notFound(def: ResourceDef, name: string): ApiError {
  return new ApiError(failure(404, 'NotFound', `${qualified(def)} "${name}" not found`, resourceDetails(def, name)));
}

/** 409 `modulesources.deckhouse.io "x" already exists`. */
export function alreadyExists(def: ResourceDef, name: string): ApiError {
  return new ApiError(
    failure(409, 'AlreadyExists', `${qualified(def)} "${name}" already exists`, resourceDetails(def, name)),
  );
}

/** 409 `Operation cannot be fulfilled on <res> "x": <why>`. */
export function conflict(def: ResourceDef, name: string, why: string): ApiError {
  return new ApiError(
    failure(
      409,
      'Conflict',
      `Operation cannot be fulfilled on ${qualified(def)} "${name}": ${why}`,
      resourceDetails(def, name),
    ),
  );
}

/** The optimistic-concurrency message of a stale resourceVersion. */
export const MODIFIED = 'the object has been modified; please apply your changes to the latest version and try again';

/** Formats `spec.x: Unsupported value: ...` like field.Error.Error(). */
export function fieldErrorText(e: FieldError): string {
  return e.field ? `${e.field}: ${e.message}` : e.message;
}

/** 422 `Kind.group "x" is invalid: a` or `... is invalid: [a, b]`, with causes. */
export function invalid(kind: string, group: string, name: string, errors: FieldError[]): ApiError {
  const texts = errors.map(fieldErrorText);
  const list = texts.length === 1 ? texts[0] : `[${texts.join(', ')}]`;
  const qualifiedKind = group ? `${kind}.${group}` : kind;
  const causes = errors.map((e) => ({ reason: e.reason, message: e.message, field: e.field }));
  const details: StatusBody['details'] = { name, kind, causes };
  if (group) details.group = group;
  return new ApiError(failure(422, 'Invalid', `${qualifiedKind} "${name}" is invalid: ${list}`, details));
}

/** 400 BadRequest with a free-form message. */
export function badRequest(message: string): ApiError {
  return new ApiError(failure(400, 'BadRequest', message));
}

/** What an admission chain answers for a denied write (the denial part of AdmissionResult). */
export interface AdmissionDenial {
  code?: number;
  reason?: string;
  message?: string;
}

/**
 * The Status kube-apiserver returns for an admission denial of `name`. A webhook's Status goes
 * back as the webhook sent it (webhook/errors ToStatusErr): Deckhouse's carries a code and a
 * message but no reason and no details, so both are left out. A ValidatingAdmissionPolicy
 * denial (a non-empty reason) is admission.NewForbidden's error: details name, group and kind
 * (the plural) plus one cause holding the policy message without the `... is forbidden: ` prefix.
 */
export function admissionDenied(def: ResourceDef, name: string, denial: AdmissionDenial): ApiError {
  const message = denial.message ?? 'admission denied the request';
  const reason = denial.reason ?? 'Forbidden';
  const status = failure(denial.code ?? 403, reason, message);
  if (reason === '') {
    delete status.reason;
    return new ApiError(status);
  }
  const prefix = name ? `${qualified(def)} "${name}" is forbidden: ` : `${qualified(def)} is forbidden: `;
  const details: NonNullable<StatusBody['details']> = {};
  if (name) details.name = name;
  if (def.group) details.group = def.group;
  details.kind = def.plural;
  details.causes = [{ message: message.startsWith(prefix) ? message.slice(prefix.length) : message }];
  status.details = details;
  return new ApiError(status);
}

/** 405 for verbs a resource does not serve. */
export function methodNotAllowed(): ApiError {
  return new ApiError(
    failure(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource'),
  );
}

/** 415 for patch types the resource does not accept (strategic merge on custom resources). */
export function unsupportedMediaType(contentType: string, accepted: string[]): ApiError {
  return new ApiError(
    failure(
      415,
      'UnsupportedMediaType',
      `the body of the request was in an unknown format - accepted media types include: ${accepted.join(', ')}`,
      { causes: [{ message: contentType }] },
    ),
  );
}

/** 429 with Retry-After, as the apiserver's max-in-flight filter answers. */
export function tooManyRequests(retryAfterSeconds = 1): ApiError {
  return new ApiError(
    failure(429, 'TooManyRequests', 'Too many requests, please try again later.', { retryAfterSeconds }),
    {
      'Retry-After': String(retryAfterSeconds),
    },
  );
}

/** 500 InternalError. */
export function internalError(message: string): ApiError {
  return new ApiError(failure(500, 'InternalError', `Internal error occurred: ${message}`, { causes: [{ message }] }));
}

/** 503 ServiceUnavailable. */
export function serviceUnavailable(message = 'the server is currently unable to handle the request'): ApiError {
  return new ApiError(failure(503, 'ServiceUnavailable', message));
}

/** 404 for paths that name no resource at all (a NotFound Status without details). */
export function pathNotFound(): ApiError {
  return new ApiError(failure(404, 'NotFound', 'the server could not find the requested resource'));
}

/** 410 Expired, sent as a watch ERROR event when the requested resourceVersion was compacted. */
export function expired(requested: string, current: string): StatusBody {
  return failure(410, 'Expired', `too old resource version: ${requested} (${current})`);
}
