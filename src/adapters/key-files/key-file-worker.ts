import { move, transferableSymbol, valueSymbol } from 'piscina';
import { runKeyFileTask, transferablesOf, type KeyFileTask } from './key-file-tasks.js';

/**
 * The task a key-file worker thread runs (loaded through key-file-worker-entry.js). The key bytes of
 * a result are moved to the app's thread, not copied, so no second copy stays behind here.
 */
export default async function keyFileWorker(task: KeyFileTask): Promise<unknown> {
  const result = await runKeyFileTask(task);
  const transfer = transferablesOf(result);
  return transfer.length === 0 ? result : move({ [transferableSymbol]: transfer, [valueSymbol]: result });
}
