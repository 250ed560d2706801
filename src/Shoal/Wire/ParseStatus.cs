namespace Shoal.Wire;

public enum ParseStatus
{
    NeedMore,
    Done,
    Error,
}
