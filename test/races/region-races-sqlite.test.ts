import { regionRaces } from './region-races.js';

// The same races on the embedded store (one instance: SQLite serialises writers anyway).
regionRaces('SQLite', 'sqlite', Number(process.env.RACES_PER_KIND ?? 12));
