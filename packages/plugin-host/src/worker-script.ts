/**
 * Where the compiled worker entry point is. This file sits directly under `src/` (and its build
 * directly under `dist/`), so `../dist/worker/main.js` names the built worker from either: tests
 * that run the TypeScript sources still spawn compiled JavaScript.
 */
import { fileURLToPath } from 'node:url';

/** The absolute path of the built worker script (`dist/worker/main.js`). */
export function defaultWorkerScript(): string {
  return fileURLToPath(new URL('../dist/worker/main.js', import.meta.url));
}
