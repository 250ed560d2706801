using Shoal.Metainfo;
using Shoal.Storage;

namespace Shoal;

/// <summary>A torrent's data moved to another folder, or a file or folder of it renamed: on disk, verified pieces kept.</summary>
public sealed partial class TorrentSession
{
    /// <summary>
    /// Makes <paramref name="directory"/> the torrent's folder. With <paramref name="moveData"/>
    /// the data goes there (a rename, or a copy across file systems) and what was verified stays
    /// verified; without, the data is looked for there on the next start. A running torrent
    /// pauses for the move and starts again after it.
    /// </summary>
    public async Task MoveAsync(string directory, bool moveData)
    {
        string target = Path.GetFullPath(directory);
        if (target == SaveDirectory)
            return;
        bool running = await HaltForChangeAsync().ConfigureAwait(false);
        try
        {
            if (moveData && _torrent is { } torrent)
            {
                var resume = ResumeData.TryLoad(CheckingPhase.ResumePath(this, torrent), torrent, SaveDirectory);
                DataMover.Move(Path.Combine(SaveDirectory, torrent.Name), Path.Combine(target, torrent.Name));
                if (resume is not null && resume.MatchesDisk(torrent, target))
                    (resume with { SaveDirectory = target }).Save(CheckingPhase.ResumePath(this, torrent));
            }
            _saveDirectory = target;
        }
        finally
        {
            if (running)
                await StartAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Renames the file or folder at <paramref name="path"/> (the torrent's name first, '/'
    /// between parts) to <paramref name="newName"/>, on disk too unless
    /// <paramref name="onDisk"/> is false (restoring a rename made before). The info-hash does
    /// not change. Throws <see cref="ArgumentException"/> for a path or name that cannot be, and
    /// <see cref="InvalidOperationException"/> before the metadata is known.
    /// </summary>
    public async Task RenamePathAsync(string path, string newName, bool onDisk = true)
    {
        var torrent = _torrent ?? throw new InvalidOperationException("the metadata is not known yet");
        var renamed = torrent.Renamed(path, newName);
        bool running = onDisk && await HaltForChangeAsync().ConfigureAwait(false);
        try
        {
            if (onDisk)
            {
                string from = Path.Combine([SaveDirectory, .. path.Split('/', StringSplitOptions.RemoveEmptyEntries)]);
                DataMover.Move(from, Path.Combine(Path.GetDirectoryName(from)!, newName));
            }
            _torrent = renamed;
        }
        finally
        {
            if (running)
                await StartAsync().ConfigureAwait(false);
        }
    }
}
