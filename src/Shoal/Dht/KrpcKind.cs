namespace Shoal.Dht;

/// <summary>Query, response or error (the KRPC 'y' key).</summary>
internal enum KrpcKind
{
    Query,
    Response,
    Error,
}
