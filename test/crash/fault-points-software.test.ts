import { faultPointCrashes } from './fault-point-crashes.js';

// The software vault: its objects are checked as the files on disk hold them.
faultPointCrashes('software vault', () => Promise.resolve(undefined));
