// A stand-in for the app behind the window: answers `invoke` from handlers a test sets, records every
// call, and delivers events to whoever `listen`s. Only these two functions are replaced (see setup.ts).
import { act } from "@testing-library/preact";

type Args = Record<string, unknown>;
type Handler = (args: Args) => unknown;

const handlers = new Map<string, Handler>();
const listeners = new Map<string, Set<(event: { event: string; id: number; payload: unknown }) => void>>();

/** Every command the views called, in order. */
export const invoked: { command: string; args: Args }[] = [];

/** The mocked `invoke` of `@tauri-apps/api/core`. */
export async function invoke<T>(command: string, args: Args = {}): Promise<T> {
  invoked.push({ command, args });
  const handler = handlers.get(command);
  if (!handler) throw { code: "internal", message: `the test has no answer for ${command}` };
  return (await handler(args)) as T;
}

/** The mocked `listen` of `@tauri-apps/api/event`. */
export async function listen<T>(event: string, handler: (event: { event: string; id: number; payload: T }) => void) {
  const set = listeners.get(event) ?? new Set();
  const wrapped = handler as (event: { event: string; id: number; payload: unknown }) => void;
  set.add(wrapped);
  listeners.set(event, set);
  return () => set.delete(wrapped);
}

/** Answers `command` with `handler`'s value (or its rejection). */
export function answer(command: string, handler: Handler): void {
  handlers.set(command, handler);
}

/** The arguments of every call of `command`. */
export function callsOf(command: string): Args[] {
  return invoked.filter((c) => c.command === command).map((c) => c.args);
}

/** Sends an app event (`snapshot`, `navigate`) to the window. */
export async function emit(event: string, payload: unknown): Promise<void> {
  await act(() => {
    for (const handler of listeners.get(event) ?? []) handler({ event, id: 0, payload });
  });
}

/** A promise the test settles by hand: to look at the window while a command is under way. */
export function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void; reject: (error: unknown) => void } {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((yes, no) => {
    resolve = yes;
    reject = no;
  });
  return { promise, resolve, reject };
}

/** Forgets every answer, call and listener (between tests). */
export function reset(): void {
  handlers.clear();
  listeners.clear();
  invoked.length = 0;
}
