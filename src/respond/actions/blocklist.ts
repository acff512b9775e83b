import { isBlockList, normalizeBlockValue } from '../blocklist.js';
import { formatDuration } from '../duration.js';
import { BLOCK_LISTS, type BlockListName } from '../store.js';
import { ActionError, type Action, type Params } from './action.js';

const MAX_EXPIRY = 365 * 86_400_000;

/**
 * Adds a value to a published block list, with an expiry (required: a block list that only grows
 * blocks last year's infrastructure, now someone else's). Adding a listed value renews it.
 * Rollback removes the entry, unless a later run added it again.
 */
export function blocklistAction(): Action {
  return {
    name: 'blocklist.add',
    description: 'Add a hash, domain, IP or sender to a published block list, with an expiry',
    params: {
      list: { type: 'enum', values: BLOCK_LISTS, required: true, description: 'hash, domain, ip or sender' },
      value: { type: 'string', required: true, description: 'what to block' },
      expires: {
        type: 'duration',
        required: true,
        min: 60_000,
        max: MAX_EXPIRY,
        description: 'how long it stays listed (up to 365d)',
      },
      reason: { type: 'text', description: 'why (published in the STIX feed)' },
    },
    check(p: Params) {
      if (!isBlockList(p.list) || p.value === undefined) return null;
      const v = normalizeBlockValue(p.list, String(p.value));
      return v.ok ? null : v.error;
    },
    plan: (p) =>
      `add ${String(p.value)} to the ${String(p.list)} block list for ${formatDuration(Number(p.expires))}`,
    async run(p, ctx) {
      const list = p.list as BlockListName;
      const v = normalizeBlockValue(list, String(p.value));
      if (!v.ok) throw new ActionError(v.error, false);
      const now = ctx.now();
      const existing = await ctx.store.getBlockEntry(ctx.tenant, list, v.value);
      const live = existing !== null && !existing.removed && existing.expires > now;
      const expires = Math.max(now + Number(p.expires), live ? existing.expires : 0);
      await ctx.store.putBlockEntry({
        tenant: ctx.tenant,
        list,
        value: v.value,
        reason: p.reason === undefined ? `${ctx.playbook.title}: ${ctx.subject.title}` : String(p.reason),
        addedBy: ctx.runId,
        created: live ? existing.created : now,
        expires,
        removed: false,
        updated: now,
      });
      return {
        output: { list, value: v.value, expires: new Date(expires).toISOString(), renewed: live },
        undo: { list, value: v.value },
      };
    },
    async undo(u, ctx) {
      const list = u.list as BlockListName;
      const value = String(u.value);
      const e = await ctx.store.getBlockEntry(ctx.tenant, list, value);
      if (e === null || e.removed) return { list, value, removed: false, why: 'not listed any more' };
      if (e.addedBy !== ctx.runId)
        return { list, value, removed: false, why: `kept: added again by ${e.addedBy}` };
      await ctx.store.putBlockEntry({ ...e, removed: true, updated: ctx.now() });
      return { list, value, removed: true };
    },
  };
}
