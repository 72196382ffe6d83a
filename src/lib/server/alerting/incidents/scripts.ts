/**
 * The Lua scripts of the incident store. Each is one atomic write, so a concurrent writer (the
 * alerts leader applying events, people acting from the web, an old leader that has not noticed a
 * new one) never sees or leaves half of a change. Every key a script touches is passed in KEYS,
 * all under the `{alerts}` hash tag.
 */

/**
 * Applies the writes the event feed computed, only if nothing it read has moved since: the cursor
 * is still ARGV[1] and each guarded record still has its version. Then the cursor becomes ARGV[2].
 * KEYS: cursor, then every key the writes name. ARGV: expected cursor ('' for none), new cursor,
 * JSON [[key index, expected version ('' for a new record)]], JSON [[command, key index, args...]].
 * Returns 1, or 0 when something moved (nothing is written).
 */
export const APPLY = `
local cur = redis.call('GET', KEYS[1]) or ''
if cur ~= ARGV[1] then return 0 end
local guards = cjson.decode(ARGV[3])
for _, g in ipairs(guards) do
  local v = redis.call('HGET', KEYS[g[1]], 'version') or ''
  if v ~= g[2] then return 0 end
end
local allowed = { HSET = true, HDEL = true, XADD = true, ZADD = true, ZREM = true, SET = true }
local ops = cjson.decode(ARGV[4])
for _, op in ipairs(ops) do
  local cmd = op[1]
  if not allowed[cmd] then return redis.error_reply('incident apply: command not allowed: ' .. tostring(cmd)) end
  redis.call(cmd, KEYS[op[2]], unpack(op, 3))
end
redis.call('SET', KEYS[1], ARGV[2])
return 1
`;

/**
 * A person's action on one incident, or the auto-resolution of a quiet one.
 * KEYS: record, timeline, active, quiet. ARGV: action (acknowledge | assign | note | resolve |
 * reopen | auto-resolve), at (epoch ms), actor, argument (the owner, '' to unassign; the note text;
 * the quiet period for auto-resolve).
 * Returns {'ok', status before, the record's fields and values after}, {'missing'},
 * {'conflict', status, acknowledged by} or {'skip'} (auto-resolve of an incident that is not quiet
 * long enough).
 */
export const ACT = `
local rec, tl, active, quiet = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local action, at, actor, arg = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local cur = redis.call('HMGET', rec, 'status', 'acknowledgedAt', 'acknowledgedBy', 'owner', 'openedAt', 'id', 'quietSince', 'hold')
local status = cur[1]
if not status then return {'missing'} end
local id = cur[6]
if action == 'acknowledge' then
  if status ~= 'open' then return {'conflict', status, cur[3] or ''} end
  redis.call('HSET', rec, 'status', 'acknowledged')
  if not cur[2] then redis.call('HSET', rec, 'acknowledgedAt', at, 'acknowledgedBy', actor) end
  redis.call('XADD', tl, '*', 'type', 'acknowledged', 'at', at, 'actor', actor, 'from', status, 'to', 'acknowledged')
elseif action == 'assign' then
  if arg == '' then redis.call('HDEL', rec, 'owner') else redis.call('HSET', rec, 'owner', arg) end
  redis.call('XADD', tl, '*', 'type', 'assigned', 'at', at, 'actor', actor, 'owner', arg, 'previous', cur[4] or '')
elseif action == 'note' then
  local notes = redis.call('HGET', rec, 'notes') or ''
  if notes ~= '' then notes = notes .. '\\n' end
  redis.call('HSET', rec, 'notes', notes .. arg)
  redis.call('XADD', tl, '*', 'type', 'note', 'at', at, 'actor', actor, 'text', arg)
elseif action == 'resolve' or action == 'auto-resolve' then
  if status == 'resolved' then
    if action == 'auto-resolve' then return {'skip'} end
    return {'conflict', status, cur[3] or ''}
  end
  if action == 'auto-resolve' then
    if not cur[7] or cur[8] == '1' or tonumber(at) - tonumber(cur[7]) < tonumber(arg) then
      redis.call('ZREM', quiet, id)
      if cur[7] and cur[8] ~= '1' then redis.call('ZADD', quiet, cur[7], id) end
      return {'skip'}
    end
    redis.call('HSET', rec, 'status', 'resolved', 'resolvedAt', cur[7], 'resolvedBy', 'auto')
    redis.call('XADD', tl, '*', 'type', 'resolved', 'at', cur[7], 'actor', actor, 'by', 'auto', 'from', status, 'to', 'resolved', 'confirmedAt', at)
  else
    redis.call('HSET', rec, 'status', 'resolved', 'resolvedAt', at, 'resolvedBy', actor)
    redis.call('XADD', tl, '*', 'type', 'resolved', 'at', at, 'actor', actor, 'by', actor, 'from', status, 'to', 'resolved')
  end
  redis.call('ZREM', active, id)
  redis.call('ZREM', quiet, id)
elseif action == 'reopen' then
  if status ~= 'resolved' then return {'conflict', status, cur[3] or ''} end
  redis.call('HSET', rec, 'status', 'open', 'hold', '1')
  redis.call('HDEL', rec, 'resolvedAt', 'resolvedBy')
  redis.call('HINCRBY', rec, 'reopened', 1)
  redis.call('ZADD', active, cur[5], id)
  redis.call('ZREM', quiet, id)
  redis.call('XADD', tl, '*', 'type', 'reopened', 'at', at, 'actor', actor, 'by', actor, 'from', status, 'to', 'open')
else
  return redis.error_reply('incident action: unknown action ' .. tostring(action))
end
redis.call('HINCRBY', rec, 'version', 1)
local out = {'ok', status}
for _, v in ipairs(redis.call('HGETALL', rec)) do out[#out + 1] = v end
return out
`;

/**
 * Appends one entry to the timelines of the incidents that exist.
 * KEYS: record and timeline of each incident, in pairs. ARGV: the entry's fields, flat.
 * Returns how many timelines it was added to.
 */
export const APPEND = `
local n = 0
for i = 1, #KEYS, 2 do
  if redis.call('EXISTS', KEYS[i]) == 1 then
    redis.call('XADD', KEYS[i + 1], '*', unpack(ARGV))
    n = n + 1
  end
end
return n
`;
