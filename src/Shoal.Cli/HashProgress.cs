using Spectre.Console;

namespace Shoal.Cli;

/// <summary>
/// Shows hashing progress on stderr: a live bar on a terminal, a plain line every few seconds
/// otherwise. Worker threads report byte deltas; a single display loop reads the total.
/// </summary>
public sealed class HashProgress : IProgress<long>
{
    private long _done;

    public long Done => Interlocked.Read(ref _done);

    public void Report(long value) => Interlocked.Add(ref _done, value);

    public static async Task<T> RunAsync<T>(string label, long total, Func<IProgress<long>, Task<T>> work)
    {
        var progress = new HashProgress();
        var task = work(progress);
        if (!Console.IsErrorRedirected)
        {
            var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
            await console.Progress()
                .AutoClear(true)
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new TransferSpeedColumn(), new RemainingTimeColumn())
                .StartAsync(async ctx =>
                {
                    var bar = ctx.AddTask(Markup.Escape(label), maxValue: Math.Max(1, total));
                    while (!task.IsCompleted)
                    {
                        bar.Value = progress.Done;
                        await Task.WhenAny(task, Task.Delay(100));
                    }
                    bar.Value = progress.Done;
                });
        }
        else
        {
            var last = DateTime.UtcNow;
            while (!task.IsCompleted)
            {
                await Task.WhenAny(task, Task.Delay(500));
                if (DateTime.UtcNow - last > TimeSpan.FromSeconds(5) && !task.IsCompleted)
                {
                    Console.Error.WriteLine($"{label}: {ByteSize.Format(progress.Done)} of {ByteSize.Format(total)} ({100.0 * progress.Done / Math.Max(1, total):0}%)");
                    last = DateTime.UtcNow;
                }
            }
        }
        return await task;
    }
}
