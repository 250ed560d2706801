using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Microsoft.Data.Sqlite;

namespace Shoal.Tracker;

public sealed record TrackerUser(string Name, string Passkey, long Uploaded, long Downloaded);

/// <summary>
/// Users of a private tracker in SQLite: a name, a secret passkey (32 hex digits) that goes in
/// the announce path, and upload/download totals. Announces look keys up in a cache refreshed
/// from the database every few seconds (so `shoal tracker user add` works while it runs), and
/// traffic is added up in memory and written in one transaction at each flush.
/// </summary>
public sealed partial class UserStore : IDisposable
{
    private readonly SqliteConnection _db;
    private readonly Lock _gate = new();
    private volatile Dictionary<string, long> _keys = [];
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
                created TEXT NOT NULL)
            """);
        Refresh();
    }

    [GeneratedRegex("^[A-Za-z0-9._-]{1,64}$")]
    private static partial Regex NamePattern();

    /// <summary>Creates a user and returns its passkey; throws <see cref="ArgumentException"/> for a bad or taken name.</summary>
    public string Add(string name)
    {
        if (!NamePattern().IsMatch(name))
            throw new ArgumentException($"user name '{name}' must be 1-64 letters, digits, '.', '_' or '-'");
        string passkey = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        lock (_gate)
        {
            using var command = _db.CreateCommand();
            command.CommandText = "INSERT INTO users (name, passkey, created) VALUES ($name, $key, $created)";
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

    public List<TrackerUser> List()
    {
        Flush();
        var users = new List<TrackerUser>();
        lock (_gate)
        {
            using var command = _db.CreateCommand();
            command.CommandText = "SELECT name, passkey, uploaded, downloaded FROM users ORDER BY name";
            using var reader = command.ExecuteReader();
            while (reader.Read())
                users.Add(new TrackerUser(reader.GetString(0), reader.GetString(1), reader.GetInt64(2), reader.GetInt64(3)));
        }
        return users;
    }

    /// <summary>The user id of a passkey, or null.</summary>
    public long? UserOf(string passkey) => _keys.TryGetValue(passkey, out long id) ? id : null;

    /// <summary>Re-reads the passkeys (users added or removed by another process).</summary>
    public void Refresh()
    {
        var keys = new Dictionary<string, long>(StringComparer.Ordinal);
        lock (_gate)
        {
            using var command = _db.CreateCommand();
            command.CommandText = "SELECT passkey, id FROM users";
            using var reader = command.ExecuteReader();
            while (reader.Read())
                keys[reader.GetString(0)] = reader.GetInt64(1);
        }
        _keys = keys;
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
