import { expect } from "vitest";
import { AnalyticsError } from "../provider-http.ts";

/** The AnalyticsError a provider call ends in (the test fails if it resolves or throws anything else). */
export async function failure(promise: Promise<unknown>): Promise<AnalyticsError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AnalyticsError);
  return error as AnalyticsError;
}

/** Every page of a provider's event pages, in one array. */
export async function drain<T>(pages: AsyncGenerator<T[]> | undefined): Promise<T[]> {
  const all: T[] = [];
  if (pages) for await (const page of pages) all.push(...page);
  return all;
}
