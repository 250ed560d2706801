namespace Shoal.Dht;

/// <summary>Query, response or error (the KRPC 'y' key).</summary>
public enum KrpcKind
{
    Query,
    Response,
    Error,
}
