import type { SettingRepo } from '../../ports/store.js';
import type { Executor } from './executor.js';

export function settingRepo(db: Executor): SettingRepo {
  const get = async (name: string): Promise<string | undefined> => {
    const row = await db().selectFrom('settings').select('value').where('name', '=', name).executeTakeFirst();
    return row?.value;
  };

  return {
    get,

    async putIfAbsent(name, value) {
      // Insert-or-nothing and then read, rather than read-then-insert: two instances starting
      // at once (each making, say, a provider key) end up agreeing on the first one written.
      await db()
        .insertInto('settings')
        .values({ name, value })
        .onConflict((oc) => oc.column('name').doNothing())
        .execute();
      const stored = await get(name);
      if (stored === undefined) throw new Error(`Setting ${name} vanished right after it was written.`);
      return stored;
    },

    async put(name, value) {
      await db()
        .insertInto('settings')
        .values({ name, value })
        .onConflict((oc) => oc.column('name').doUpdateSet({ value }))
        .execute();
    },
  };
}
