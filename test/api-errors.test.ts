import { expect, it } from '@jest/globals';
import { apiError, ERROR_REFERENCE_EXISTS, isApiError } from '../src/github/api-errors.js';

it('recognises a GitHub answer by status and text, and nothing else', () => {
  const exists = Object.assign(new Error(`${ERROR_REFERENCE_EXISTS} - https://docs.github.com`), {
    status: 422,
  });
  expect(apiError(exists)).toEqual({ status: 422, message: exists.message });
  expect(isApiError(exists, 422, ERROR_REFERENCE_EXISTS)).toBe(true);
  expect(isApiError(exists, 409, ERROR_REFERENCE_EXISTS)).toBe(false);
  expect(isApiError(exists, 422, 'Update is not a fast forward')).toBe(false);
  expect(apiError(new Error('no status'))).toBeUndefined();
  expect(apiError('text')).toBeUndefined();
  expect(apiError(null)).toBeUndefined();
});
