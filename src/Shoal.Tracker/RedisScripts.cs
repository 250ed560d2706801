namespace Shoal.Tracker;

/// <summary>
/// The Lua that keeps a swarm in Redis. Each script runs atomically, so tracker processes that
/// share a Redis never see half an announce. Per swarm, under one hash tag:
/// <c>{ih}:p</c> a hash endpoint → peer (20-byte peer id, '1' or '0' for seed, then
/// "site,uploaded,downloaded"), <c>{ih}:t</c> a sorted set endpoint → last seen (Unix ms),
/// <c>{ih}:m</c> a hash with the seeder count, and <c>{ih}:s:SITE</c> a set per site. Outside
/// the swarm: a hash of completed counts per torrent and a set of the swarms that exist. Swarm
/// keys expire on their own when nobody announces for two peer timeouts.
/// </summary>
internal static class RedisScripts
{
    /// <summary>Shared by every script: KEYS[1] peers, KEYS[2] last seen, KEYS[3] meta; ARGV[1] site-key prefix, ARGV[2] cutoff (Unix ms).</summary>
    private const string Common = """
        local P, T, M, sitePrefix = KEYS[1], KEYS[2], KEYS[3], ARGV[1]
        local function siteOf(v) return string.match(string.sub(v, 22), '^([^,]*)') end
        local function remove(e, v)
          if string.sub(v, 21, 21) == '1' then redis.call('HINCRBY', M, 'seeders', -1) end
          redis.call('SREM', sitePrefix .. siteOf(v), e)
          redis.call('HDEL', P, e)
          redis.call('ZREM', T, e)
        end
        local function expire(cutoff, limit)
          local old = redis.call('ZRANGEBYSCORE', T, '-inf', '(' .. cutoff, 'LIMIT', 0, limit)
          for _, e in ipairs(old) do
            local v = redis.call('HGET', P, e)
            if v then remove(e, v) else redis.call('ZREM', T, e) end
          end
          return #old
        end
        local function counts()
          local n = redis.call('HLEN', P)
          local seeders = tonumber(redis.call('HGET', M, 'seeders') or '0')
          return n, seeders
        end
        """;

    /// <summary>
    /// An announce. KEYS[4] completed counts, KEYS[5] the set of swarms. ARGV[3] endpoint,
    /// [4] peer id, [5] seed 0/1, [6] site, [7] uploaded, [8] downloaded, [9] event (0 none,
    /// 1 completed, 2 started, 3 stopped), [10] numwant, [11] now, [12] ttl ms, [13] a random
    /// number, [14] info-hash, [15] most completed counts kept. Returns seeders, leechers,
    /// completed, uploaded delta, downloaded delta, then endpoint and value of each peer given.
    /// </summary>
    public const string Announce = Common + "\n" + """
        local C, S = KEYS[4], KEYS[5]
        local ep, pid, seed, site = ARGV[3], ARGV[4], ARGV[5] == '1', ARGV[6]
        local up, down, ev, want = tonumber(ARGV[7]), tonumber(ARGV[8]), tonumber(ARGV[9]), tonumber(ARGV[10])
        local now, ttl, rnd, ih = tonumber(ARGV[11]), tonumber(ARGV[12]), tonumber(ARGV[13]), ARGV[14]
        expire(ARGV[2], 1000)
        local v = redis.call('HGET', P, ep)
        local upd, downd = 0, 0
        local mySite = site
        if v then
          local s, u, d = string.match(string.sub(v, 22), '^([^,]*),([^,]*),([^,]*)$')
          mySite = s
          upd = math.max(0, up - tonumber(u))
          downd = math.max(0, down - tonumber(d))
        end
        if ev == 3 then
          if v then remove(ep, v) end
          local n, seeders = counts()
          if n == 0 then
            redis.call('DEL', P, T, M)
            redis.call('SREM', S, ih)
          end
          return {seeders, n - seeders, tonumber(redis.call('HGET', C, ih) or '0'), upd, downd}
        end
        if v then
          local wasSeed = string.sub(v, 21, 21) == '1'
          if wasSeed ~= seed then redis.call('HINCRBY', M, 'seeders', seed and 1 or -1) end
        else
          if seed then redis.call('HINCRBY', M, 'seeders', 1) end
          redis.call('SADD', sitePrefix .. mySite, ep)
        end
        redis.call('HSET', P, ep, pid .. (seed and '1' or '0') .. mySite .. ',' .. string.format('%.0f', up) .. ',' .. string.format('%.0f', down))
        redis.call('ZADD', T, now, ep)
        redis.call('SADD', S, ih)
        for _, k in ipairs({P, T, M, sitePrefix .. mySite}) do redis.call('PEXPIRE', k, ttl) end
        local completed
        if ev == 1 and (redis.call('HEXISTS', C, ih) == 1 or redis.call('HLEN', C) < tonumber(ARGV[15])) then
          completed = redis.call('HINCRBY', C, ih, 1)
        else
          completed = tonumber(redis.call('HGET', C, ih) or '0')
        end
        local out = {0, 0, completed, upd, downd}
        local taken, seen = 0, {[ep] = true}
        local function take(e, val)
          if taken >= want or seen[e] then return end
          seen[e] = true
          if seed and string.sub(val, 21, 21) == '1' then return end
          out[#out + 1] = e
          out[#out + 1] = val
          taken = taken + 1
        end
        if want > 0 then
          if redis.call('HLEN', P) <= 256 then
            -- Scanned whole, from a random start: the own site's peers (a set lookup, no parsing) first.
            local all = redis.call('HGETALL', P)
            local own = {}
            for _, e in ipairs(redis.call('SMEMBERS', sitePrefix .. mySite)) do own[e] = true end
            local count = #all / 2
            local start = rnd % count
            for pass = 1, 2 do
              local mine = pass == 1
              for k = 0, count - 1 do
                if taken >= want then break end
                local i = ((start + k) % count) * 2 + 1
                if (own[all[i]] == true) == mine then take(all[i], all[i + 1]) end
              end
            end
          else
            local mine = redis.call('SRANDMEMBER', sitePrefix .. mySite, want * 2 + 16)
            if #mine > 0 then
              local vals = redis.call('HMGET', P, unpack(mine))
              for i = 1, #mine do
                if vals[i] then take(mine[i], vals[i]) end
              end
            end
            if taken < want then
              local more = redis.call('HRANDFIELD', P, want * 2 + 16, 'WITHVALUES')
              for i = 1, #more, 2 do take(more[i], more[i + 1]) end
            end
          end
        end
        local n, seeders = counts()
        out[1], out[2] = seeders, n - seeders
        return out
        """;

    /// <summary>Expires one swarm's late peers. KEYS[4] the set of swarms; ARGV[3] info-hash. Returns how many went.</summary>
    public const string Expire = Common + "\n" + """
        local removed = expire(ARGV[2], 100000)
        if redis.call('HLEN', P) == 0 then
          redis.call('DEL', P, T, M)
          redis.call('SREM', KEYS[4], ARGV[3])
        end
        return removed
        """;

    /// <summary>One swarm's counts after expiring its late peers. KEYS[4] completed counts; ARGV[3] info-hash. Returns exists, seeders, leechers, completed.</summary>
    public const string Scrape = Common + "\n" + """
        expire(ARGV[2], 1000)
        local n, seeders = counts()
        local completed = tonumber(redis.call('HGET', KEYS[4], ARGV[3]) or '0')
        return {n > 0 and 1 or 0, seeders, n - seeders, completed}
        """;
}
