-- One round trip of a shared limiter: apply what responses reported, then
-- grant up to `want` permits of one app of the workspace, or say until when
-- to wait. See limiter.go for the design; the layout is:
--
--   KEYS[1] = <prefix>{<workspace>}:cfg   hash, what outlives a window:
--             lim:<fp>    the app's per-window limit, from X-RateLimit-Limit
--             limw:<fp>   the window lim:<fp> was reported in (an older
--                         answer, sent late, must not undo a change)
--             probe:<fp>  Redis ms until which the first call of an app whose
--                         limit is unknown is in flight (nobody else calls it)
--             pause:<fp>  Redis ms until which the app is paused
--             off         ms our windows start after Redis's multiples of 10 s
--                         beyond the configured lag (Redis clock ahead of
--                         Intercom's), learned from answers
--             rr          rotation counter over the apps
--   KEYS[2] = <prefix>{<workspace>}:w:  prefix of the window hashes, one per
--             window, named by the Unix second it starts at (Intercom's
--             X-RateLimit-Reset minus 10); fields: ws (all apps) and <fp>.
--
-- Window keys are built here from TIME, so they are not all in KEYS; they
-- share the workspace's hash tag with KEYS[1], hence its slot.
--
-- ARGV: want, lagMs, defaultAppLimit, workspaceLimit, probeMs, maxOffsetMs,
--       napps, fp_1..fp_napps, cap_1..cap_napps (0: none), nobs, then
--       nobs x (kind, app, window, a, b):
--   kind 1 seen:   Intercom said `a` calls are left in window, limit `b`
--   kind 2 adjust: add `a` to the app's and workspace's counts of window
--   kind 3 skew:   a call granted at Redis ms `a` landed in the earlier
--                  window `window`: Redis's clock is ahead of Intercom's
--   kind 4 pause:  pause the app for `a` ms
--
-- Reply: {status, app, n, window, until, now, count, limit}
--   status 1: n permits of app (1-based) in window (its end is `until`,
--             Redis ms); count is the app's count after them, limit the
--             limit used (0 for a probe)
--   status 2: nothing granted; ask again at `until` (Redis ms)
--   status 0: observations only (want was 0)
local cfg, pfx = KEYS[1], KEYS[2]
local want = tonumber(ARGV[1])
local lag = tonumber(ARGV[2])
local deflim = tonumber(ARGV[3])
local wslim = tonumber(ARGV[4])
local probems = tonumber(ARGV[5])
local maxoff = tonumber(ARGV[6])
local napps = tonumber(ARGV[7])
local fps, caps = {}, {}
for i = 1, napps do
  fps[i] = ARGV[7 + i]
  caps[i] = tonumber(ARGV[7 + napps + i])
end
local o = 8 + 2 * napps
local nobs = tonumber(ARGV[o])

local WINDOW_TTL = 60000
local CFG_TTL = 86400000
local POLL = 50

local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)

local fields = {'off', 'rr'}
for i = 1, napps do
  fields[#fields + 1] = 'lim:' .. fps[i]
  fields[#fields + 1] = 'probe:' .. fps[i]
  fields[#fields + 1] = 'pause:' .. fps[i]
  fields[#fields + 1] = 'limw:' .. fps[i]
end
local c = redis.call('HMGET', cfg, unpack(fields))
local off = tonumber(c[1] or 0)
local rr = tonumber(c[2] or 0)
local lim, probe, pause, limw = {}, {}, {}, {}
for i = 1, napps do
  lim[i] = tonumber(c[4 * i - 1] or 0)
  probe[i] = tonumber(c[4 * i] or 0)
  pause[i] = tonumber(c[4 * i + 1] or 0)
  limw[i] = tonumber(c[4 * i + 2] or 0)
end

local function wkey(w) return pfx .. string.format('%d', w) end

-- The limit an app is granted against: the one Intercom reported, else the
-- configured default once a probe had its chance to report one; never above
-- the app's cap, which counts as if Intercom had reported it (budget others
-- spend is charged only beyond the part the cap leaves them).
local function limitOf(i)
  local l = deflim
  if lim[i] > 0 then l = lim[i] end
  if caps[i] > 0 and caps[i] < l then return caps[i] end
  return l
end

local function add(k, fp, n)
  local v = redis.call('HINCRBY', k, fp, n)
  local ws = redis.call('HINCRBY', k, 'ws', n)
  -- A refund of a count that expired with its window must not go negative.
  if v < 0 then redis.call('HSET', k, fp, 0) end
  if ws < 0 then redis.call('HSET', k, 'ws', 0) end
  redis.call('PEXPIRE', k, WINDOW_TTL)
end

for j = 0, nobs - 1 do
  local b = o + 1 + 5 * j
  local kind, i, w = tonumber(ARGV[b]), tonumber(ARGV[b + 1]), tonumber(ARGV[b + 2])
  local a, bb = tonumber(ARGV[b + 3]), tonumber(ARGV[b + 4])
  local fp = fps[i]
  if kind == 1 then
    if bb > 0 and lim[i] ~= bb and w >= limw[i] then
      lim[i], limw[i] = bb, w
      redis.call('HSET', cfg, 'lim:' .. fp, bb, 'limw:' .. fp, w)
    end
    -- Intercom's Remaining is the tighter of the app's and the workspace's
    -- budgets. Our counts include calls still in flight, so ours are never
    -- below Intercom's when we are alone: a smaller Remaining than ours is
    -- spent by someone else (another integration on this app or on the
    -- workspace), and it is charged to both our counts.
    local k = wkey(w)
    local v = redis.call('HMGET', k, 'ws', fp)
    local ours = math.min(limitOf(i) - tonumber(v[2] or 0), wslim - tonumber(v[1] or 0))
    if ours > a then add(k, fp, ours - a) end
  elseif kind == 2 then
    if a > 0 or redis.call('EXISTS', wkey(w)) == 1 then add(wkey(w), fp, a) end
  elseif kind == 3 then
    -- Shift our windows so that a call granted at `a` falls in the window
    -- Intercom counted it in, with a margin; bounded, since a wrong clock
    -- must not stop everything.
    local need = a - (w + 10) * 1000 - lag + POLL
    if need > off then
      off = math.min(need, maxoff)
      redis.call('HSET', cfg, 'off', off)
    end
    if need > off then
      -- Beyond what we shift: pause the app a while rather than loop.
      pause[i] = math.max(pause[i], now + 1000)
      redis.call('HSET', cfg, 'pause:' .. fp, pause[i])
    end
  elseif kind == 4 then
    if now + a > pause[i] then
      pause[i] = now + a
      redis.call('HSET', cfg, 'pause:' .. fp, pause[i])
    end
  end
end

if want <= 0 then
  if nobs > 0 then redis.call('PEXPIRE', cfg, CFG_TTL) end
  return {0, 0, 0, 0, 0, now, 0, 0}
end

-- Our window: Intercom's 10-second window, started `lag + off` ms late.
-- In its last `lag` ms Intercom's next window has begun (by our clock): a
-- call sent then may be counted in either, so it needs budget in both and
-- is charged to both; its permit names the next window, where it should
-- land. Outside the tail, one window.
local shifted = now - lag - off
local w = math.floor(shifted / 10000) * 10
local wend = (w + 10) * 1000 + lag + off
local wins = {w}
if now >= wend - lag then wins[2] = w + 10 end
local getf = {'ws'}
for i = 1, napps do getf[i + 1] = fps[i] end
local ks, vs = {}, {}
local wsc = 0
for x = 1, #wins do
  ks[x] = wkey(wins[x])
  vs[x] = redis.call('HMGET', ks[x], unpack(getf))
  wsc = math.max(wsc, tonumber(vs[x][1] or 0))
end
if wsc >= wslim then return {2, 0, 0, w, wend, now, 0, 0} end
local pw, pend = wins[#wins], wend + 10000 * (#wins - 1)

local function charge(fp, n)
  for x = 1, #wins do add(ks[x], fp, n) end
end

rr = redis.call('HINCRBY', cfg, 'rr', 1)
redis.call('PEXPIRE', cfg, CFG_TTL)
-- When nothing can be granted: the soonest any app may have budget again.
local soonest = wend + 10000
for j = 0, napps - 1 do
  local i = (rr + j) % napps + 1
  local fp = fps[i]
  local cnt = 0
  for x = 1, #wins do cnt = math.max(cnt, tonumber(vs[x][i + 1] or 0)) end
  if pause[i] > now then
    soonest = math.min(soonest, pause[i])
  elseif lim[i] == 0 and probe[i] > now then
    -- A probe is out: its answer will say the limit. Ask again soon.
    soonest = math.min(soonest, now + POLL, probe[i])
  elseif lim[i] == 0 and probems > 0 and probe[i] == 0 then
    -- Limit unknown: one call tells it (X-RateLimit-Limit) before a burst
    -- at an assumed limit could overrun a workspace with a lower one.
    redis.call('HSET', cfg, 'probe:' .. fp, now + probems)
    charge(fp, 1)
    return {1, i, 1, pw, pend, now, cnt + 1, 0}
  else
    local L = limitOf(i)
    if cnt < L then
      local n = math.min(want, L - cnt, wslim - wsc)
      charge(fp, n)
      return {1, i, n, pw, pend, now, cnt + n, L}
    end
    soonest = math.min(soonest, wend)
  end
end
return {2, 0, 0, w, soonest, now, 0, 0}
