namespace Shoal.Storage;

/// <summary>How a download's files are laid out on disk before data arrives.</summary>
public enum AllocationMode
{
    /// <summary>Files are created at full length as sparse files; space is used as pieces arrive.</summary>
    Sparse,
    /// <summary>Files reserve their full size up front (fallocate), so a full disk shows at once.</summary>
    Preallocate,
}
