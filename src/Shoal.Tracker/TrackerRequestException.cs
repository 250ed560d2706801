namespace Shoal.Tracker;

/// <summary>A request the tracker refuses; the message goes back as a 'failure reason' or UDP error.</summary>
public sealed class TrackerRequestException(string message) : Exception(message);
