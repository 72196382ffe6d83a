/**
 * Lua scripts of the Redis store. Each touches the keys of one series only (one hash tag), so they
 * run unchanged on Redis Cluster. They use only core commands and the `struct` library that Redis
 * and Valkey ship with their Lua.
 */

/**
 * Writes one block of one series into one raw chunk, merges its partial rollups, and moves the
 * series' last time forward, atomically. Refuses the block (returning the stored last time) when
 * it does not start after it, so a retried write is never stored twice.
 *
 * KEYS: state hash, raw chunk, open minute key (the hour's), open hour key (the day's)
 * ARGV: 1 first ts, 2 last ts, 3 last value, 4 block, 5 minute partials, 6 hour partials,
 *       7-9 expiry (epoch ms) of a new raw, minute and hour key, 10 "1" when retrying,
 *       11 sampling interval ms or ""
 * Partials: repeated <u16 index><u32 count><f64 min><f64 max><f64 sum><f64 last>, little-endian.
 * Returns {0, last} refused; {1, last} already stored (retry); {2, last, created bits: 1 raw
 * chunk, 2 open minute key, 4 open hour key}.
 */
export const WRITE_SCRIPT = `
local lt = redis.call('HGET', KEYS[1], 'lt')
local last = lt and tonumber(lt) or -1
local first = tonumber(ARGV[1])
if first <= last then
  if ARGV[10] == '1' and tonumber(ARGV[2]) <= last then return {1, lt} end
  return {0, lt or '-1'}
end
local created = 0
local blk = ARGV[4]
if redis.call('APPEND', KEYS[2], blk) == #blk then
  redis.call('PEXPIREAT', KEYS[2], ARGV[7])
  created = 1
end
local function merge(key, blob, expireAt, flag)
  if #blob == 0 then return 0 end
  local made = 0
  if redis.call('EXISTS', key) == 0 then
    redis.call('SET', key, 'F')
    redis.call('PEXPIREAT', key, expireAt)
    made = flag
  end
  for pos = 1, #blob, 38 do
    local idx = struct.unpack('<I2', blob, pos)
    local rec = string.sub(blob, pos + 2, pos + 37)
    local off = 1 + idx * 36
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
  return made
end
created = created + merge(KEYS[3], ARGV[5], ARGV[8], 2) + merge(KEYS[4], ARGV[6], ARGV[9], 4)
if not lt then redis.call('HSETNX', KEYS[1], 'ft', ARGV[1]) end
if ARGV[11] ~= '' then
  redis.call('HSET', KEYS[1], 'lt', ARGV[2], 'lv', ARGV[3], 'iv', ARGV[11])
else
  redis.call('HSET', KEYS[1], 'lt', ARGV[2], 'lv', ARGV[3])
end
return {2, lt or '-1', created}
`;

/**
 * Admits a series into its metric's posting set unless the metric already has the most series
 * allowed. KEYS: posting set of __name__=<metric>. ARGV: series id, limit.
 * Returns 1 known, 2 added, 0 refused.
 */
export const ADMIT_SCRIPT = `
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
 * Seals an open rollup key: appends its segment to the long-span key and deletes it, if it is still
 * what the sealer read. KEYS: open key, span key. ARGV: SHA-1 hex of the open key as read, the
 * segment, expiry (epoch ms) of the span key if new. Returns 1 sealed, 0 gone, -1 changed since.
 */
export const SEAL_ROLLUP_SCRIPT = `
local cur = redis.call('GET', KEYS[1])
if not cur then return 0 end
if redis.sha1hex(cur) ~= ARGV[1] then return -1 end
local seg = ARGV[2]
if redis.call('APPEND', KEYS[2], seg) == #seg then redis.call('PEXPIREAT', KEYS[2], ARGV[3]) end
redis.call('DEL', KEYS[1])
return 1
`;
