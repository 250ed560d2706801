namespace Shoal.Trackers;

/// <summary>The tracker refused (a 'failure reason', an error packet) or its reply was malformed.</summary>
internal sealed class TrackerException(string message) : Exception(message);
