using Microsoft.Extensions.Logging;
using Shoal.Cli;

namespace Shoal.Tests.Cli;

public class CliLogTests
{
    [Fact]
    public void Debug_and_trace_lines_carry_the_seconds_since_the_log_began_and_others_do_not()
    {
        var log = new CliLog(LogLevel.Trace);
        var logger = log.CreateLogger("test");
        logger.LogTrace("a piece");
        logger.LogDebug("a peer");
        logger.LogInformation("seeding");
        var lines = log.Drain().ToList();
        Assert.Equal(3, lines.Count);
        Assert.Matches(@"^trace: \[\d+\.\d{3}\] a piece$", lines[0]);
        Assert.Matches(@"^debug: \[\d+\.\d{3}\] a peer$", lines[1]);
        Assert.Equal("info: seeding", lines[2]);
    }
}
