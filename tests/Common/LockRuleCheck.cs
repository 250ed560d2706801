using System.Runtime.CompilerServices;

namespace Shoal.Tests;

/// <summary>
/// Turns the lock rule's check on for the whole test run: code that is not the engine's (events,
/// a peer ranking, a logger) called while a torrent's lock is held throws, and the torrent fails
/// with it, so the test that meets a break of the rule fails.
/// </summary>
internal static class LockRuleCheck
{
    [ModuleInitializer]
    internal static void TurnOn() => Shoal.Supervision.LockRule.Checked = true;
}
