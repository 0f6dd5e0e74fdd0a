/**
 * @internal Reads a topic's hash; a missing hash (never written, or Redis lost it: restarted empty, flushed,
 * failed over to an empty replica) is created at revision 0 of a new epoch, atomically, so every reader agrees
 * on that epoch. Returns `[epoch, revision, data | nil]`.
 *
 * KEYS[1] the hash · ARGV[1] the epoch to use if the hash is missing.
 */
export const READ_SCRIPT = `
local v = redis.call('HMGET', KEYS[1], 'epoch', 'revision', 'data')
if v[1] and v[2] then return v end
redis.call('HSET', KEYS[1], 'epoch', ARGV[1], 'revision', '0')
return {ARGV[1], '0', v[3]}
`;

/**
 * @internal Compare, bump, write, publish: in one step on the Redis server. The revision is kept as the
 * decimal string Redis stores (never a Lua number, which would round past 2^53).
 * Data `null` is never inlined (readers fetch it, as the inline-event rules say).
 * Returns `{'ok', epoch, revision}`, `{'conflict', epoch, revision}` or `{'missing'}`.
 *
 * KEYS[1] the hash · ARGV: expected epoch, expected revision, data (JSON text), channel, topic, inline limit (bytes).
 */
export const WRITE_SCRIPT = `
local v = redis.call('HMGET', KEYS[1], 'epoch', 'revision')
if not v[1] or not v[2] then return {'missing'} end
if v[1] ~= ARGV[1] or v[2] ~= ARGV[2] then return {'conflict', v[1], v[2]} end
redis.call('HINCRBY', KEYS[1], 'revision', 1)
local r = redis.call('HGET', KEYS[1], 'revision')
redis.call('HSET', KEYS[1], 'data', ARGV[3])
local m = '{"topic":' .. cjson.encode(ARGV[5]) .. ',"revision":"' .. r .. '","epoch":' .. cjson.encode(v[1])
if #ARGV[3] <= tonumber(ARGV[6]) and ARGV[3] ~= 'null' then m = m .. ',"data":' .. ARGV[3] end
redis.call('PUBLISH', ARGV[4], m .. '}')
return {'ok', v[1], r}
`;
