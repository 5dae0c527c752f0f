-- The fleet's rate limiter: the same GCRA as the in-process one, decided atomically on the
-- Redis server with the server's clock, so every process shares one budget.
--
-- KEYS[1]  the budget: its theoretical arrival time (TAT), microseconds since the epoch
-- KEYS[2]  the fleet's 429 pause: nothing may start before this instant (microseconds)
-- ARGV[1]  "reserve": take the next slot, answer how long to wait for it
--          "check":   after waiting for a slot, answer 0 if no pause began meanwhile, or
--                     (the slot being void) take a new slot after the pause
--          "pause":   pause the budget for ARGV[4] microseconds from now
-- ARGV[2]  the spacing between two requests (microseconds)
-- ARGV[3]  tau: how far ahead of the TAT a request may go (spacing x (burst - 1))
-- ARGV[4]  reserve/check: a hold; nothing is admitted earlier than this many microseconds
--          from now (a process coming back from its local fallback limiter); pause: the pause
--
-- Answer: microseconds to wait before starting the request (0: start now).
--
-- A request asking at `now` is admitted at max(now, TAT - tau) and moves the TAT to
-- max(TAT, now) + spacing: the same admissions as `governor` gives a caller that asks again
-- exactly when told to, but one round trip per request however many callers wait.

if redis.replicate_commands then
  -- Redis before 5 replicates scripts verbatim unless told otherwise; TIME would differ.
  pcall(redis.replicate_commands)
end

local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000000 + tonumber(time[2])
local mode = ARGV[1]
local spacing = tonumber(ARGV[2])
local tau = tonumber(ARGV[3])
local extra = tonumber(ARGV[4])

-- Integers below 2^53 are exact in Lua's doubles (microseconds since 1970 are about 2^51);
-- '%.0f' writes them without an exponent.
local function store(key, value, expires_at)
  local ttl_ms = math.floor((expires_at - now) / 1000) + 1
  redis.call('SET', key, string.format('%.0f', value), 'PX', ttl_ms)
end

local tat = tonumber(redis.call('GET', KEYS[1]) or '0') or 0

if mode == 'pause' then
  local pause_end = now + extra
  local paused = tonumber(redis.call('GET', KEYS[2]) or '0') or 0
  if pause_end > paused then
    store(KEYS[2], pause_end, pause_end)
  end
  -- New slots start after the pause (and without a burst: a 429 means we overshot).
  if tat < pause_end + tau then
    store(KEYS[1], pause_end + tau, pause_end + tau)
  end
  return 0
end

if mode == 'check' then
  local paused = tonumber(redis.call('GET', KEYS[2]) or '0') or 0
  if paused <= now then
    return 0
  end
  -- A pause began while this caller waited: its slot is void; the TAT is already past
  -- the pause, so the new slot is too.
end

if extra > 0 and tat < now + extra + tau then
  tat = now + extra + tau
end
local wait = tat - tau - now
if wait < 0 then
  wait = 0
end
local next_tat = math.max(tat, now) + spacing
store(KEYS[1], next_tat, next_tat)
return wait
