/**
 * Domain errors. The HTTP layer turns them into Zendesk's error envelopes; the desk itself
 * knows nothing about status codes.
 */
export type ErrorDetails = Record<string, { description: string; error: string }[]>;

export class DeskError extends Error {}

export class NotFoundError extends DeskError {
  constructor(public readonly resource = 'Record') {
    super(`${resource} not found`);
  }
}

export class ValidationError extends DeskError {
  constructor(public readonly details: ErrorDetails) {
    super('Record validation errors');
  }

  static field(field: string, description: string, error = 'InvalidValue'): ValidationError {
    return new ValidationError({ [field]: [{ description, error }] });
  }
}

export class ForbiddenError extends DeskError {
  constructor(message = 'You do not have access to this page.') {
    super(message);
  }
}

/** A write refused because of the record's state; `code` is the error name clients match on. */
export class ConflictError extends DeskError {
  constructor(
    message: string,
    public readonly code = 'Conflict',
  ) {
    super(message);
  }
}

/** Too many attempts (or too much work queued): the caller may try again after a while. */
export class TooManyRequestsError extends DeskError {
  constructor(
    message: string,
    public readonly retryAfterSeconds: number,
  ) {
    super(message);
  }
}
