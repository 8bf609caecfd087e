// The console warnings a call prints, for tests of the 'js' fallback's one warning.

/** console.warn's messages while `body` runs. */
export async function warnings<T>(body: () => Promise<T>): Promise<{ value: T; warned: string[] }> {
  const warned: string[] = [];
  const original = console.warn;
  console.warn = (...args: unknown[]) => warned.push(args.map(String).join(' '));
  try {
    return { value: await body(), warned };
  } finally {
    console.warn = original;
  }
}
