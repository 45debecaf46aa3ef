import { dataPlaneContract } from './data-plane-contract.js';
import { tempPlane } from './helpers.js';

// The port's contract on the SQLite3MC adapter; encryption, handles and the LRU are tested in
// encryption.test.ts and handles.test.ts beside this file.
dataPlaneContract('SqliteCipherDataPlane (aegis-256x2)', () => tempPlane());
dataPlaneContract('SqliteCipherDataPlane (LRU of 1)', () => tempPlane({ maxOpenHandles: 1 }));
