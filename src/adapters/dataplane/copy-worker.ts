import { runCopyTask, type CopyTask, type CopyResult } from './copy-tasks.js';

/** The task a copy worker thread runs (loaded through copy-worker-entry.js). */
export default function copyWorker(task: CopyTask): CopyResult {
  return runCopyTask(task);
}
