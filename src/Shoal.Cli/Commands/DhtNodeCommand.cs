using System.CommandLine;
using System.Net;
using System.Runtime.InteropServices;
using System.Text.Json;
using Shoal.Dht;
using Shoal.Net;

namespace Shoal.Cli.Commands;

/// <summary>`shoal dht-node`: a standalone, long-lived DHT node, for example an organisation's own bootstrap node.</summary>
public static class DhtNodeCommand
{
    public static Command Build()
    {
        var port = new Option<int>("--port") { Description = "UDP port (0: any free port, printed at start).", DefaultValueFactory = _ => 6881 };
        var bind = new Option<string[]>("--bind") { Description = "Listen on this address only (repeatable; default all IPv4 and IPv6)." };
        var state = new Option<string?>("--state") { Description = "Folder for the node id and routing table (default: the state folder)." };
        var json = new Option<bool>("--json") { Description = "Print the table size and traffic as one JSON object per line." };
        var every = new Option<string>("--interval") { Description = "How often to print the status (e.g. 10s).", DefaultValueFactory = _ => "10s" };
        var dht = new DhtCliOptions();
        var command = new Command("dht-node", "Run a DHT node (BEP 5) until Ctrl-C or SIGTERM: a bootstrap node for your own machines. "
            + "It joins only through its saved table and --dht-bootstrap (add a public router to join the public DHT).")
        {
            port, bind, state, json, every,
        };
        foreach (var option in dht.All)
            command.Options.Add(option);
        command.SetAction(async (parse, cancellationToken) =>
        {
            int p = parse.GetValue(port);
            if (p is < 0 or > 65535)
                throw new UsageException("--port must be 0-65535 (0: any free port)");
            var interval = CliParsing.Duration(parse.GetValue(every)!, "--interval");
            if (interval < TimeSpan.FromMilliseconds(100))
                throw new UsageException("--interval must be at least 0.1s");
            string folder = parse.GetValue(state) ?? ShoalClientOptions.DefaultStateDirectory("");
            // A bootstrap node of its own needs none: others come to it (its saved table is used).
            var options = dht.Read(parse, Path.Combine(folder, "dht.dat"), defaultBootstrap: []);
            await using var node = DhtCliOptions.StartNode(options, parse.GetValue(bind), p);
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
            {
                context.Cancel = true;
                stop.Cancel();
            });
            bool asJson = parse.GetValue(json);
            if (!asJson)
                Console.Error.WriteLine($"DHT node {node.IdHex} on UDP port {node.Port}");
            using var timer = new PeriodicTimer(interval);
            do
                Print(node, node.Port, asJson);
            while (await Tick(timer, stop.Token));
            return CommandRunner.Success;
        });
        return command;
    }

    private static async Task<bool> Tick(PeriodicTimer timer, CancellationToken token)
    {
        try
        {
            return await timer.WaitForNextTickAsync(token);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private static void Print(DhtService node, int port, bool json)
    {
        var s = node.GetStats();
        if (json)
        {
            using var output = Console.OpenStandardOutput();
            using (var w = new Utf8JsonWriter(output))
            {
                w.WriteStartObject();
                w.WriteString("nodeId", s.NodeId);
                w.WriteNumber("port", port);
                w.WriteNumber("nodes", s.Nodes);
                w.WriteNumber("nodes6", s.Nodes6);
                w.WriteNumber("storedInfoHashes", s.StoredInfoHashes);
                w.WriteNumber("queriesReceived", s.QueriesReceived);
                w.WriteNumber("queriesDropped", s.QueriesDropped);
                w.WriteNumber("malformed", s.Malformed);
                w.WriteNumber("queriesSent", s.QueriesSent);
                w.WriteNumber("responses", s.Responses);
                w.WriteNumber("timeouts", s.Timeouts);
                w.WriteNumber("bytesIn", s.BytesIn);
                w.WriteNumber("bytesOut", s.BytesOut);
                w.WriteEndObject();
            }
            output.Write("\n"u8);
            output.Flush();
            return;
        }
        Console.WriteLine($"{s.Nodes} nodes, {s.Nodes6} IPv6 nodes, {s.StoredInfoHashes} info-hashes stored; "
            + $"in {s.QueriesReceived} queries ({s.QueriesDropped} over the rate limit, {s.Malformed} malformed), "
            + $"out {s.QueriesSent} queries ({s.Timeouts} unanswered); {ByteSize.Format(s.BytesIn)} in, {ByteSize.Format(s.BytesOut)} out");
    }
}
