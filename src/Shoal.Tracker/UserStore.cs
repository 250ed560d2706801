using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Microsoft.Data.Sqlite;

namespace Shoal.Tracker;

/// <summary>
/// Users of a private tracker in SQLite: a name, a secret passkey (32 hex digits) that goes in
/// the announce path, upload/download totals, and the torrents the key may see: every torrent
/// the tracker serves (a user added with "all"), or only those granted to it. A key never gets
/// the peers of a torrent it may not see. Announces look keys and grants up in a snapshot
/// refreshed from the database every few seconds (so `shoal tracker user ...` works while the
/// tracker runs), and traffic is added up in memory and written in one transaction at each flush.
/// </summary>
public sealed partial class UserStore : IDisposable
{
    private readonly SqliteConnection _db;
    private readonly Lock _gate = new();
    private volatile Snapshot _snapshot = new([], []);
    private long _dataVersion = -1;

    private sealed record Access(bool All, HashSet<InfoHashKey> Torrents);

    private sealed record Snapshot(Dictionary<string, long> Keys, Dictionary<long, Access> Access);
    private readonly ConcurrentDictionary<long, (long Up, long Down)> _pending = new();

    public UserStore(string path)
    {
        _db = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path }.ToString());
        _db.Open();
        Execute("PRAGMA journal_mode=WAL");
        Execute("""
            CREATE TABLE IF NOT EXISTS users (
                id INTEGER PRIMARY KEY,
                name TEXT NOT NULL UNIQUE,
                passkey TEXT NOT NULL UNIQUE,
                uploaded INTEGER NOT NULL DEFAULT 0,
                downloaded INTEGER NOT NULL DEFAULT 0,
                created TEXT NOT NULL,
                all_torrents INTEGER NOT NULL DEFAULT 0)
            """);
        // A database from before grants existed: its users keep seeing every torrent, as they did.
        if (!Columns("users").Contains("all_torrents"))
            Execute("ALTER TABLE users ADD COLUMN all_torrents INTEGER NOT NULL DEFAULT 1");
        Execute("""
            CREATE TABLE IF NOT EXISTS grants (
                user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                info_hash TEXT NOT NULL,
                PRIMARY KEY (user_id, info_hash))
            """);
        Execute("PRAGMA foreign_keys=ON");
        Refresh();
    }

    /// <summary>The failure reason for a key announcing a torrent it was not granted.</summary>
    public const string NotGranted = "torrent not granted to this passkey";

    [GeneratedRegex("^[A-Za-z0-9._-]{1,64}$")]
    private static partial Regex NamePattern();

    /// <summary>
    /// Creates a user and returns its passkey; throws <see cref="ArgumentException"/> for a bad
    /// or taken name. With <paramref name="allTorrents"/> the key sees every torrent the tracker
    /// serves; otherwise only those <see cref="Grant"/>ed to it.
    /// </summary>
    public string Add(string name, bool allTorrents = false)
    {
        if (!NamePattern().IsMatch(name))
            throw new ArgumentException($"user name '{name}' must be 1-64 letters, digits, '.', '_' or '-'");
        string passkey = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        lock (_gate)
        {
            using var command = _db.CreateCommand();
            command.CommandText = "INSERT INTO users (name, passkey, created, all_torrents) VALUES ($name, $key, $created, $all)";
            command.Parameters.AddWithValue("$all", allTorrents ? 1 : 0);
            command.Parameters.AddWithValue("$name", name);
            command.Parameters.AddWithValue("$key", passkey);
            command.Parameters.AddWithValue("$created", DateTimeOffset.UtcNow.ToString("O"));
            try
            {
                command.ExecuteNonQuery();
            }
            catch (SqliteException e) when (e.SqliteErrorCode == 19) // constraint
            {
                throw new ArgumentException($"user '{name}' already exists");
            }
        }
        Refresh();
        return passkey;
    }

    public bool Remove(string name)
    {
        int removed;
        lock (_gate)
        {
            using var command = _db.CreateCommand();
            command.CommandText = "DELETE FROM users WHERE name = $name";
            command.Parameters.AddWithValue("$name", name);
            removed = command.ExecuteNonQuery();
        }
        Refresh();
        return removed > 0;
    }

    /// <summary>Lets <paramref name="name"/> see these torrents; returns how many were new. Throws for an unknown user.</summary>
    public int Grant(string name, IEnumerable<InfoHashKey> torrents) => ChangeGrants(name, torrents,
        "INSERT OR IGNORE INTO grants (user_id, info_hash) VALUES ($id, $hash)");

    /// <summary>Takes these torrents from <paramref name="name"/>; returns how many it had. Throws for an unknown user.</summary>
    public int Revoke(string name, IEnumerable<InfoHashKey> torrents) => ChangeGrants(name, torrents,
        "DELETE FROM grants WHERE user_id = $id AND info_hash = $hash");

    private int ChangeGrants(string name, IEnumerable<InfoHashKey> torrents, string sql)
    {
        int changed = 0;
        lock (_gate)
        {
            using var transaction = _db.BeginTransaction();
            using var find = _db.CreateCommand();
            find.Transaction = transaction;
            find.CommandText = "SELECT id FROM users WHERE name = $name";
            find.Parameters.AddWithValue("$name", name);
            long id = find.ExecuteScalar() is long found ? found : throw new ArgumentException($"no user '{name}'");
            foreach (var torrent in torrents)
            {
                using var command = _db.CreateCommand();
                command.Transaction = transaction;
                command.CommandText = sql;
                command.Parameters.AddWithValue("$id", id);
                command.Parameters.AddWithValue("$hash", torrent.ToHex());
                changed += command.ExecuteNonQuery();
            }
            transaction.Commit();
        }
        Refresh();
        return changed;
    }

    /// <summary>Whether <paramref name="user"/>'s key may see (announce to, scrape, get peers of) this torrent.</summary>
    public bool MaySee(long user, InfoHashKey torrent) =>
        _snapshot.Access.TryGetValue(user, out var access) && (access.All || access.Torrents.Contains(torrent));

    public List<TrackerUser> List()
    {
        Flush();
        var users = new List<TrackerUser>();
        lock (_gate)
        {
            using var command = _db.CreateCommand();
            command.CommandText = """
                SELECT name, passkey, uploaded, downloaded, all_torrents, (SELECT COUNT(*) FROM grants WHERE user_id = users.id)
                FROM users ORDER BY name
                """;
            using var reader = command.ExecuteReader();
            while (reader.Read())
                users.Add(new TrackerUser(reader.GetString(0), reader.GetString(1), reader.GetInt64(2), reader.GetInt64(3), reader.GetInt64(4) != 0, reader.GetInt32(5)));
        }
        return users;
    }

    /// <summary>The user id of a passkey, or null.</summary>
    public long? UserOf(string passkey) => _snapshot.Keys.TryGetValue(passkey, out long id) ? id : null;

    /// <summary>
    /// Re-reads passkeys and grants when another connection (such as `shoal tracker user`) has
    /// committed since the last read; SQLite's data_version tells, so an idle database costs one
    /// pragma per call.
    /// </summary>
    public void RefreshIfChanged()
    {
        long version;
        lock (_gate)
        {
            using var command = _db.CreateCommand();
            command.CommandText = "PRAGMA data_version";
            version = (long)command.ExecuteScalar()!;
        }
        if (version != _dataVersion)
        {
            _dataVersion = version;
            Refresh();
        }
    }

    /// <summary>Re-reads passkeys and grants.</summary>
    public void Refresh()
    {
        var keys = new Dictionary<string, long>(StringComparer.Ordinal);
        var access = new Dictionary<long, Access>();
        lock (_gate)
        {
            using (var command = _db.CreateCommand())
            {
                command.CommandText = "SELECT passkey, id, all_torrents FROM users";
                using var reader = command.ExecuteReader();
                while (reader.Read())
                {
                    keys[reader.GetString(0)] = reader.GetInt64(1);
                    access[reader.GetInt64(1)] = new Access(reader.GetInt64(2) != 0, []);
                }
            }
            using (var command = _db.CreateCommand())
            {
                command.CommandText = "SELECT user_id, info_hash FROM grants";
                using var reader = command.ExecuteReader();
                while (reader.Read())
                {
                    if (access.TryGetValue(reader.GetInt64(0), out var a) && InfoHashKey.TryParseHex(reader.GetString(1), out var key))
                        a.Torrents.Add(key);
                }
            }
        }
        _snapshot = new Snapshot(keys, access);
    }

    public void AddTraffic(long user, long uploaded, long downloaded)
    {
        if (uploaded > 0 || downloaded > 0)
            _pending.AddOrUpdate(user, (uploaded, downloaded), (_, t) => (t.Up + uploaded, t.Down + downloaded));
    }

    /// <summary>Writes the traffic added since the last flush, in one transaction.</summary>
    public void Flush()
    {
        if (_pending.IsEmpty)
            return;
        lock (_gate)
        {
            using var transaction = _db.BeginTransaction();
            foreach (var user in _pending.Keys.ToList())
            {
                if (!_pending.TryRemove(user, out var traffic))
                    continue;
                using var command = _db.CreateCommand();
                command.Transaction = transaction;
                command.CommandText = "UPDATE users SET uploaded = uploaded + $up, downloaded = downloaded + $down WHERE id = $id";
                command.Parameters.AddWithValue("$up", traffic.Up);
                command.Parameters.AddWithValue("$down", traffic.Down);
                command.Parameters.AddWithValue("$id", user);
                command.ExecuteNonQuery();
            }
            transaction.Commit();
        }
    }

    private HashSet<string> Columns(string table)
    {
        using var command = _db.CreateCommand();
        command.CommandText = $"PRAGMA table_info({table})";
        using var reader = command.ExecuteReader();
        var names = new HashSet<string>(StringComparer.Ordinal);
        while (reader.Read())
            names.Add(reader.GetString(1));
        return names;
    }

    private void Execute(string sql)
    {
        using var command = _db.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    public void Dispose()
    {
        Flush();
        _db.Dispose();
    }
}
