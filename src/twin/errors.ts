/** An answer the twin gives as GitHub would: status, message and any extra body fields. */
export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly status: number,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

export const notFound = (): ApiError => new ApiError(404, 'Not Found');

export const validationFailed = (
  errors: { resource: string; code: string; field?: string; message?: string }[],
): ApiError => new ApiError(422, 'Validation Failed', { errors });

export const forbidden = (): ApiError =>
  new ApiError(403, 'Resource not accessible by integration');
