// The one sleep: retries, lock polling and backoff all wait through it.
export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
