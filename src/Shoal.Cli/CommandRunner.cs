using System.CommandLine;
using Shoal.Bencode;
using Shoal.Metainfo;

namespace Shoal.Cli;

/// <summary>Exit codes and error reporting shared by every verb: 0 success, 1 failure, 2 usage.</summary>
public static class CommandRunner
{
    public const int Success = 0;
    public const int Failure = 1;
    public const int Usage = 2;

    public static async Task<int> RunAsync(RootCommand root, string[] args)
    {
        var result = root.Parse(args);
        var errors = result.Errors.Select(e => e.Message).Concat(UnknownOptions(result)).ToList();
        if (errors.Count > 0)
        {
            foreach (var error in errors)
                Console.Error.WriteLine($"shoal: {error}");
            Console.Error.WriteLine($"Try '{string.Join(' ', CommandPath(result))} --help'.");
            return Usage;
        }
        using var cancel = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            cancel.Cancel();
        };
        // SIGTERM (kill, timeout, a service manager) stops a verb as Ctrl-C does: `get` and `seed` save
        // their resume data and say so, instead of the runtime ending the process where it stands.
        using var term = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, context =>
        {
            context.Cancel = true;
            cancel.Cancel();
        });
        try
        {
            return await result.InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false }, cancel.Token);
        }
        catch (OperationCanceledException)
        {
            Console.Error.WriteLine("shoal: cancelled");
            return Failure;
        }
        catch (UsageException e)
        {
            Console.Error.WriteLine($"shoal: {e.Message}");
            return Usage;
        }
        catch (Exception e) when (e is TorrentFormatException or BencodeException or IOException or UnauthorizedAccessException
            or InvalidOperationException or ArgumentException or FormatException)
        {
            Console.Error.WriteLine($"shoal: {e.Message}");
            return Failure;
        }
        catch (Exception e)
        {
            // A bug of ours: still one line for the user, the type to report it by.
            Console.Error.WriteLine($"shoal: internal error ({e.GetType().Name}): {e.Message}");
            return Failure;
        }
    }

    /// <summary>
    /// Words that look like options but went to a verb's arguments (a verb that takes any number
    /// of files takes '--bogus' as one): a usage error, not 'no such file'. '-' alone (standard
    /// input), negative numbers and anything after '--' are arguments.
    /// </summary>
    private static IEnumerable<string> UnknownOptions(ParseResult result)
    {
        if (result.Tokens.Any(t => t.Type == System.CommandLine.Parsing.TokenType.DoubleDash))
            yield break;
        foreach (var argument in result.CommandResult.Children.OfType<System.CommandLine.Parsing.ArgumentResult>())
        {
            foreach (var token in argument.Tokens)
            {
                string value = token.Value;
                if (value.Length > 1 && value[0] == '-' && !double.TryParse(value, System.Globalization.CultureInfo.InvariantCulture, out _))
                    yield return $"unknown option '{value}' (a file whose name starts with '-' is given as ./{value} or after --)";
            }
        }
    }

    private static IEnumerable<string> CommandPath(ParseResult result)
    {
        var names = new List<string>();
        for (var symbol = result.CommandResult; symbol is not null; symbol = symbol.Parent as System.CommandLine.Parsing.CommandResult)
            names.Insert(0, symbol.Command is RootCommand ? "shoal" : symbol.Command.Name);
        return names;
    }
}
