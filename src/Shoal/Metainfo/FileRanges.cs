namespace Shoal.Metainfo;

/// <summary>The file ranges of one piece-space range, as an allocation-free enumerable.</summary>
internal readonly struct FileRanges(IReadOnlyList<TorrentFile> files, int first, long start, int count)
{
    public Enumerator GetEnumerator() => new(files, first, start, start + count);

    public struct Enumerator(IReadOnlyList<TorrentFile> files, int first, long start, long end)
    {
        private int _next = first;

        public FileRange Current { get; private set; }

        public bool MoveNext()
        {
            while (_next < files.Count && files[_next].Offset < end)
            {
                int i = _next++;
                var file = files[i];
                if (file.IsPadding || file.Length == 0)
                    continue;
                long from = Math.Max(start, file.Offset);
                long to = Math.Min(end, file.EndOffset);
                if (to <= from)
                    continue;
                Current = new FileRange(i, from - file.Offset, (int)(from - start), (int)(to - from));
                return true;
            }
            return false;
        }
    }
}
