// Entry of a copy worker thread. Keyward runs TypeScript through tsx's loader, which a worker
// thread does not inherit when the main thread registered it programmatically (bin/keyward.js,
// vitest), so the worker registers it for itself before loading the task module.
import { register } from 'tsx/esm/api';

register();
const { default: copyWorker } = await import('./copy-worker.ts');
export default copyWorker;
