// Kestrel answering every request with one fixed, valid compact announce reply and doing
// nothing else: the per-connection cost of Kestrel itself, measured by bench/tracker-bench.sh
// next to `shoal tracker` (which runs on the same Kestrel) and opentracker.
//   KestrelFloor PORT
using System.Net;

byte[] reply = "d8:completei1e10:downloadedi0e10:incompletei1e8:intervali1800e12:min intervali60e5:peers0:e"u8.ToArray();
var builder = WebApplication.CreateSlimBuilder();
builder.Logging.ClearProviders();
builder.WebHost.ConfigureKestrel(kestrel =>
{
    kestrel.AddServerHeader = false;
    kestrel.Listen(IPAddress.Loopback, int.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture));
});
var app = builder.Build();
app.Run(async context =>
{
    context.Response.ContentType = "text/plain";
    context.Response.ContentLength = reply.Length;
    await context.Response.Body.WriteAsync(reply);
});
await app.RunAsync();
