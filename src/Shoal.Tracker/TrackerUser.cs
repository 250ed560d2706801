using System.Text.RegularExpressions;
using Microsoft.Data.Sqlite;

namespace Shoal.Tracker;

/// <summary>A user as listed: totals, and which torrents the key may see (every one, or <paramref name="Torrents"/> of them).</summary>
public sealed record TrackerUser(string Name, string Passkey, long Uploaded, long Downloaded, bool AllTorrents = false, int Torrents = 0);
