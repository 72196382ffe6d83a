/**
 * Lua scripts of the Redis store. They use only core commands and the `struct` library that
 * Redis and Valkey ship with their Lua. Scripts that take several series are sent per hash slot
 * on Redis Cluster, so every call touches keys of one slot.
 *
 * Open rollup records are 36 bytes: <u32 count><f64 min><f64 max><f64 sum><f64 last>, and the
 * scripts merge a later partial record into an earlier one the same way `mergeAgg` does.
 */

const MERGE = `
local function merge(key, off, rec)
  local cur = redis.call('GETRANGE', key, off, off + 35)
  if #cur == 36 then
    local c1, mn1, mx1, s1 = struct.unpack('<I4ddd', cur)
    if c1 > 0 then
      local c2, mn2, mx2, s2, l2 = struct.unpack('<I4dddd', rec)
      rec = struct.pack('<I4dddd', c1 + c2, math.min(mn1, mn2), math.max(mx1, mx2), s1 + s2, l2)
    end
  end
  redis.call('SETRANGE', key, off, rec)
end
`;

/**
 * Writes groups of samples, each one record (a block, or a point record) of one series appended to
 * one raw chunk, with its minute rollups; moves each series' last time forward; all atomically. A
 * group is stored only if its series' stored last time is the one the writer expects (the writer
 * codes point records and running minute records against what it last stored); otherwise it is
 * refused (returning that time) and the writer sends it again from what is stored, so a retried
 * or concurrent write is never stored twice.
 *
 * KEYS, 1 per group: the series' state hash `<p>ts:{sid}:s`. The script derives the series' other
 * keys from it (raw chunk `...:r:<chunk>`, open minute key `...:mo:<hour>`, open-bucket set
 * `...:o`); they share its hash tag, so they are on the same cluster slot.
 * ARGV[1]: "1" when retrying. ARGV[2]: for each group
 *   <f64 first><f64 last><f64 expected last time, -1 none><f64 raw expiry><f64 minute expiry>
 *   <f64 interval ms, 0 none><u32 record bytes><u16 minute records><u32 hour><u32 chunk>
 *   <u8 flags: 1 the hour may be new to the open-bucket set><8 bytes last value><record>
 *   <minute records: u16 minute of the hour, u8 0 set | 1 merge, 36-byte record>...
 * Returns one value per group: stored, the number (raw chunk's length after the append) x 4 +
 * created bits (1 raw chunk, 2 open minute key); refused, the series' stored last time as text
 * ("-1" none); already stored (a retry), that time after "S".
 */
export const WRITE_SCRIPT = `${MERGE}
local retry = ARGV[1] == '1'
local blob = ARGV[2]
local pos = 1
local out = {}
local g = 0
while pos <= #blob do
  local first, last, expect, rawExp, minExp, iv, blen, nrec, hour, chunk, flags, p = struct.unpack('<ddddddI4I2I4I4B', blob, pos)
  local recs = p + 8 + blen
  pos = recs + nrec * 39
  g = g + 1
  local state = KEYS[g]
  local lt = redis.call('HGET', state, 'lt')
  local lastTs = lt and tonumber(lt) or -1
  if lastTs ~= expect then
    out[g] = ((retry and last <= lastTs) and 'S' or '') .. (lt or '-1')
  else
    local base = string.sub(state, 1, -2)
    local raw = base .. 'r:' .. chunk
    local created = 0
    local len = redis.call('APPEND', raw, string.sub(blob, p + 8, recs - 1))
    if len == blen then
      redis.call('PEXPIREAT', raw, string.format('%.0f', rawExp))
      created = 1
    end
    if nrec > 0 then
      local mo = base .. 'mo:' .. hour
      local fresh = flags % 2 == 1 and redis.call('SADD', base .. 'o', 'm:' .. hour) == 1
      for r = 0, nrec - 1 do
        local at = recs + r * 39
        local idx, mode = struct.unpack('<I2B', blob, at)
        local rec = string.sub(blob, at + 3, at + 38)
        if mode == 0 then redis.call('SETRANGE', mo, idx * 36, rec) else merge(mo, idx * 36, rec) end
      end
      if fresh then
        redis.call('PEXPIREAT', mo, string.format('%.0f', minExp))
        created = created + 2
      end
    end
    local lv = string.sub(blob, p, p + 7)
    local lastText = string.format('%.0f', last)
    if not lt then redis.call('HSET', state, 'ft', string.format('%.0f', first)) end
    if iv > 0 then
      redis.call('HSET', state, 'lt', lastText, 'lv', lv, 'iv', string.format('%.0f', iv))
    else
      redis.call('HSET', state, 'lt', lastText, 'lv', lv)
    end
    out[g] = len * 4 + created
  end
end
return out
`;

/**
 * Drops a series whose last sample is at or before a cutoff (all its data keys have expired by
 * then): deletes its state, labels and open-bucket set, atomically with the check, and answers its
 * labels (a flat name, value list) so the caller can take it out of the label index. Answers
 * false when it is alive or has no state (it may be being created: the index is written first).
 * KEYS: state hash, labels hash, open-bucket set of one series. ARGV: cutoff (epoch ms).
 */
export const DROP_SERIES_SCRIPT = `
local lt = redis.call('HGET', KEYS[1], 'lt')
if not lt or tonumber(lt) > tonumber(ARGV[1]) then return false end
local labels = redis.call('HGETALL', KEYS[2])
redis.call('DEL', KEYS[1], KEYS[2], KEYS[3])
return labels
`;

/**
 * Admits a series into its metric's posting set unless the metric already has the most series
 * allowed, or the store does. KEYS: posting set of __name__=<metric>, the set of all series.
 * ARGV: series id, limit per metric, limit in all.
 * Returns 1 known, 2 added, 0 refused (per metric), -1 refused (in all).
 */
export const ADMIT_SCRIPT = `
if redis.call('SISMEMBER', KEYS[1], ARGV[1]) == 1 then return 1 end
if redis.call('SCARD', KEYS[1]) >= tonumber(ARGV[2]) then return 0 end
if redis.call('SISMEMBER', KEYS[2], ARGV[1]) == 0 and redis.call('SCARD', KEYS[2]) >= tonumber(ARGV[3]) then return -1 end
redis.call('SADD', KEYS[1], ARGV[1])
redis.call('SADD', KEYS[2], ARGV[1])
return 2
`;

/**
 * One step of admitting a series on a Redis Cluster, where the metric's posting set and the set of
 * all series live in different slots (no script may take both): adds the series to one set unless
 * it holds the most allowed. KEYS: the set. ARGV: series id, limit.
 * Returns 1 known, 2 added, 0 refused.
 */
export const ADMIT_ONE_SCRIPT = `
if redis.call('SISMEMBER', KEYS[1], ARGV[1]) == 1 then return 1 end
if redis.call('SCARD', KEYS[1]) >= tonumber(ARGV[2]) then return 0 end
redis.call('SADD', KEYS[1], ARGV[1])
return 2
`;

/**
 * Replaces a key's value if it is still what the caller read (by SHA-1), keeping its expiry.
 * KEYS: the key. ARGV: SHA-1 hex of the value read, new value. Returns 1 replaced, 0 changed since.
 */
export const REPLACE_SCRIPT = `
local cur = redis.call('GET', KEYS[1])
if not cur or redis.sha1hex(cur) ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'KEEPTTL')
return 1
`;

/**
 * Seals an hour of minute rollups: appends their segment to the day's minute key, folds the hour's
 * aggregate into the day's open hour key, and deletes the open minute key, if it is still what the
 * sealer read. KEYS: open minute key, day minute key, open hour key, open-bucket set.
 * ARGV: SHA-1 hex as read, segment, day key expiry, hour of the day, 36-byte hour record (empty
 * when the hour had no finite samples), open hour key expiry, the open minute key's member ("m:<hour>"), the open hour key's member
 * ("h:<day>"). Returns {1 sealed | 0 gone | -1 changed since, 1 if the open hour key is new}.
 */
export const SEAL_MINUTES_SCRIPT = `${MERGE}
local cur = redis.call('GET', KEYS[1])
if not cur then
  redis.call('SREM', KEYS[4], ARGV[7])
  return {0, 0}
end
if redis.sha1hex(cur) ~= ARGV[1] then return {-1, 0} end
local seg = ARGV[2]
if redis.call('APPEND', KEYS[2], seg) == #seg then redis.call('PEXPIREAT', KEYS[2], ARGV[3]) end
local fresh = false
if #ARGV[5] == 36 then
  fresh = redis.call('SADD', KEYS[4], ARGV[8]) == 1
  merge(KEYS[3], tonumber(ARGV[4]) * 36, ARGV[5])
  if fresh then redis.call('PEXPIREAT', KEYS[3], ARGV[6]) end
end
redis.call('DEL', KEYS[1])
redis.call('SREM', KEYS[4], ARGV[7])
return {1, fresh and 1 or 0}
`;

/**
 * Seals a day of hour rollups: appends their segment to the 30-day hour key and deletes the open
 * hour key, if it is still what the sealer read. KEYS: open hour key, span key, open-bucket set.
 * ARGV: SHA-1 hex as read, segment, span key expiry, the open hour key's member ("h:<day>").
 * Returns 1 sealed, 0 gone, -1 changed since.
 */
export const SEAL_HOURS_SCRIPT = `
local cur = redis.call('GET', KEYS[1])
if not cur then
  redis.call('SREM', KEYS[3], ARGV[4])
  return 0
end
if redis.sha1hex(cur) ~= ARGV[1] then return -1 end
local seg = ARGV[2]
if redis.call('APPEND', KEYS[2], seg) == #seg then redis.call('PEXPIREAT', KEYS[2], ARGV[3]) end
redis.call('DEL', KEYS[1])
redis.call('SREM', KEYS[3], ARGV[4])
return 1
`;
