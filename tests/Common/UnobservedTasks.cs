using System.Runtime.CompilerServices;

namespace Shoal.Tests;

/// <summary>
/// Counts, over the whole test run, the tasks that ended in an exception nobody looked at: each
/// is a fault the engine let pass silently. Every one is written to the file named by
/// SHOAL_UNOBSERVED_TASKS (scripts/test.sh makes it and fails the run when it is not empty).
/// Before the process exits, the finalizers run, so that a task still waiting to be collected is
/// counted too.
/// </summary>
internal static class UnobservedTasks
{
    private static readonly Lock Gate = new();

    [ModuleInitializer]
    internal static void Watch()
    {
        if (Environment.GetEnvironmentVariable("SHOAL_UNOBSERVED_TASKS") is not { Length: > 0 } file)
            return;
        TaskScheduler.UnobservedTaskException += (_, e) =>
        {
            lock (Gate)
                File.AppendAllText(file, $"[{typeof(UnobservedTasks).Assembly.GetName().Name}] {e.Exception}\n\n");
        };
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            GC.Collect();
            GC.WaitForPendingFinalizers();
        };
    }
}
