using Shoal.Storage;

namespace Shoal;

/// <summary>How a start learned which pieces were already on disk.</summary>
public enum StartCheck
{
    /// <summary>The torrent has not started yet.</summary>
    NotStarted,
    /// <summary>No file of the torrent existed: nothing to check.</summary>
    NoData,
    /// <summary>Resume data matched the files' sizes and times: trusted without hashing.</summary>
    ResumeData,
    /// <summary>Every piece on disk was hashed (no resume data, or the files changed, or a crash).</summary>
    Hashed,
}
