-- The fleet's rate limiter: the same GCRA as the in-process one, decided atomically on the
-- Redis server with the server's clock, so every process shares one budget.
--
-- KEYS[1]  the budget: "TAT:EPOCH", its theoretical arrival time (TAT) and the instant the
--          key was created (EPOCH), both in microseconds since 1970 on the server's clock
-- KEYS[2]  the fleet's 429 pause: nothing may start before this instant (microseconds)
-- ARGV[1]  "reserve": take the next slot, answer how long to wait for it
--          "check":   after waiting for a slot taken in epoch ARGV[5], answer 0 if it still
--                     stands; else take a new one. A slot is void when a pause began
--                     meanwhile, or when the budget is not the one it was taken from (Redis
--                     restarted or was flushed): then nothing is admitted for a window
--                     (ARGV[6]), since the fleet's recent requests are no longer counted
--          "pause":   pause the budget for ARGV[4] microseconds from now
-- ARGV[2]  the spacing between two requests (microseconds)
-- ARGV[3]  tau: how far ahead of the TAT a request may go (spacing x (burst - 1))
-- ARGV[4]  reserve/check: a hold; nothing is admitted earlier than this many microseconds
--          from now (a process coming back from its local fallback limiter); pause: the pause
-- ARGV[5]  check: the epoch the slot was taken in
-- ARGV[6]  the window (1 s plus the arrival allowance), in microseconds: the budget's key
--          lives a window past its TAT, so a caller that wakes late still finds its epoch
--
-- Answer: {microseconds to wait before starting the request (0: start now), the epoch}.
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
local expected_epoch = tonumber(ARGV[5])
local window = tonumber(ARGV[6])

-- Integers below 2^53 are exact in Lua's doubles (microseconds since 1970 are about 2^51);
-- '%.0f' writes them without an exponent. Keys expire once they constrain nothing.
local function ttl_ms(expires_at)
  return math.floor((expires_at - now) / 1000) + 1
end

local tat, epoch, known = 0, now, false
local state = redis.call('GET', KEYS[1])
if state then
  local colon = string.find(state, ':', 1, true)
  if colon then
    tat = tonumber(string.sub(state, 1, colon - 1)) or 0
    epoch = tonumber(string.sub(state, colon + 1)) or now
    known = true
  end
end

local function store_tat(value)
  local ttl = ttl_ms(value + window)
  redis.call('SET', KEYS[1], string.format('%.0f:%.0f', value, epoch), 'PX', ttl)
end

if mode == 'pause' then
  local pause_end = now + extra
  local paused = tonumber(redis.call('GET', KEYS[2]) or '0') or 0
  if pause_end > paused then
    redis.call('SET', KEYS[2], string.format('%.0f', pause_end), 'PX', ttl_ms(pause_end))
  end
  -- New slots start after the pause (and without a burst: a 429 means we overshot).
  if tat < pause_end + tau then
    store_tat(pause_end + tau)
  end
  return {0, epoch}
end

if mode == 'check' then
  if not known or epoch ~= expected_epoch then
    -- The budget this slot was taken from is gone: hold everyone for a window.
    if extra < window then
      extra = window
    end
  else
    local paused = tonumber(redis.call('GET', KEYS[2]) or '0') or 0
    if paused <= now then
      return {0, epoch}
    end
    -- A pause began while this caller waited: its slot is void; the TAT is already past
    -- the pause, so the new slot is too.
  end
end

if extra > 0 and tat < now + extra + tau then
  tat = now + extra + tau
end
local wait = tat - tau - now
if wait < 0 then
  wait = 0
end
store_tat(math.max(tat, now) + spacing)
return {wait, epoch}
