namespace Shoal.Wire;

internal enum ParseStatus
{
    NeedMore,
    Done,
    Error,
}
