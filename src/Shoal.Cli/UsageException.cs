using System.CommandLine;

namespace Shoal.Cli;

/// <summary>A bad argument found after parsing (exit code 2).</summary>
public sealed class UsageException(string message) : Exception(message);
