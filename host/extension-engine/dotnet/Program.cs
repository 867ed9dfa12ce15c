// The .NET side of durable-flow's `--engine extension`: the real Durable Task extension
// (Microsoft.Azure.WebJobs.Extensions.DurableTask) in a plain WebJobs host, as the extension's own
// tests host it (test/Common/TestHelpers.cs), on the Azure Storage provider.
//
// The Node side starts it with the app's functions on standard input (one JSON object) and reads
// one line from its standard output: `READY {"port":..,"client":..}`. Then:
// - every orchestrator and activity of the app is a WebJobs function emitted at start-up
//   (Functions.cs) whose trigger parameter is the type the Functions host uses for an
//   out-of-process worker, and whose body forwards the invocation to the Node side (Bridge.cs);
// - 127.0.0.1:<port> serves the extension's own HTTP API (its IAsyncConverter, which the Functions
//   host routes /runtime/webhooks/durabletask/* to) and the durable client binding data.
// Standard input closing (the Node side gone) stops the process.
using System;
using System.IO;
using System.Text;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Azure.WebJobs;
using Microsoft.Azure.WebJobs.Host.Config;
using Microsoft.Azure.WebJobs.Extensions.DurableTask;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace DurableFlow.ExtensionHost
{
    public static class Program
    {
        public static async Task<int> Main()
        {
            // What the Node side sends: the app's functions, host.json, where to forward, the public origin.
            StartRequest start = JsonConvert.DeserializeObject<StartRequest>(Console.In.ReadLine() ?? "{}");
            if (start?.Functions == null || start.NodeUrl == null || start.PublicOrigin == null)
            {
                Console.Error.WriteLine("durable-flow extension host: expected one JSON line on standard input with functions, nodeUrl and publicOrigin");
                return 2;
            }

            // The extension picks the worker protocol from FUNCTIONS_WORKER_RUNTIME: node is the
            // out-of-process orchestrator shim with the local RPC endpoint, as for a JavaScript app.
            Environment.SetEnvironmentVariable("FUNCTIONS_WORKER_RUNTIME", "node");
            Bridge.Configure(start.NodeUrl, start.Secret);
            Type functions = Functions.Emit(start.Functions);

            // host.json's `extensions` bind as the Functions host binds them (section
            // AzureWebJobs:extensions:durableTask); the user's settings, unchanged.
            JObject hostJson = start.HostJson ?? new JObject();
            var extensions = new JObject { ["AzureWebJobs"] = new JObject { ["extensions"] = hostJson["extensions"] ?? new JObject() } };

            IHost host = new HostBuilder()
                .ConfigureAppConfiguration(c =>
                {
                    c.AddJsonStream(new MemoryStream(Encoding.UTF8.GetBytes(extensions.ToString())));
                    c.AddEnvironmentVariables();
                })
                .ConfigureLogging(l =>
                {
                    l.AddSimpleConsole(o => { o.SingleLine = true; });
                    l.AddFilter((category, level) => level >= (start.Verbose ? LogLevel.Information : LogLevel.Warning));
                    l.AddFilter("Host.Triggers.DurableTask", start.Verbose ? LogLevel.Information : LogLevel.Warning);
                })
                .ConfigureWebJobs(b =>
                {
                    b.AddDurableTask();
                })
                .ConfigureServices(s =>
                {
                    s.AddSingleton<ITypeLocator>(new FunctionTypes(functions, typeof(ClientProbe)));
                    s.AddSingleton<IWebHookProvider>(new WebhookBase(start.PublicOrigin));
                })
                .Build();

            await host.StartAsync();
            var jobHost = host.Services.GetRequiredService<IJobHost>();
            await jobHost.CallAsync(nameof(ClientProbe.DurableFlowClientProbe));
            var api = WebhookApi.Find(host.Services);

            WebApplication web = WebhookApi.Build(api, start.Port);
            await web.StartAsync();
            int port = new Uri(web.Urls.GetEnumerator().MoveNextAndGet()).Port;
            Console.Out.WriteLine("READY " + JsonConvert.SerializeObject(new { port, client = JObject.Parse(ClientProbe.Binding) }, Formatting.None));
            Console.Out.Flush();

            // Run until the Node side closes standard input (it asked us to stop), or is gone
            // without closing it (killed: its process no longer exists).
            var stdinClosed = Task.Run(() =>
            {
                while (Console.In.ReadLine() != null) { }
            });
            var parentGone = ParentGone(start.ParentPid);
            await Task.WhenAny(stdinClosed, parentGone);
            // Stopping must not outlive the Node side: whatever hangs, the process ends.
            _ = Task.Delay(TimeSpan.FromSeconds(15)).ContinueWith(_ => Environment.Exit(0));
            await web.StopAsync();
            await host.StopAsync(TimeSpan.FromSeconds(10));
            return 0;
        }

        /// <summary>Completes when the process `pid` no longer runs (never for 0).</summary>
        private static async Task ParentGone(int pid)
        {
            if (pid <= 0)
            {
                await Task.Delay(System.Threading.Timeout.Infinite);
            }
            while (true)
            {
                await Task.Delay(TimeSpan.FromSeconds(2));
                try
                {
                    using var parent = System.Diagnostics.Process.GetProcessById(pid);
                    if (parent.HasExited) return;
                }
                catch (ArgumentException)
                {
                    return;
                }
            }
        }

        private static string MoveNextAndGet(this System.Collections.Generic.IEnumerator<string> e) => e.MoveNext() ? e.Current : null;
    }

    public sealed class StartRequest
    {
        [JsonProperty("functions")] public FunctionSpec[] Functions { get; set; }
        [JsonProperty("nodeUrl")] public string NodeUrl { get; set; }
        [JsonProperty("secret")] public string Secret { get; set; }
        [JsonProperty("publicOrigin")] public string PublicOrigin { get; set; }
        [JsonProperty("hostJson")] public JObject HostJson { get; set; }
        [JsonProperty("port")] public int Port { get; set; }
        [JsonProperty("verbose")] public bool Verbose { get; set; }
        /// <summary>The Node side's process id: this process ends when it is gone.</summary>
        [JsonProperty("parentPid")] public int ParentPid { get; set; }
    }

    public sealed class FunctionSpec
    {
        [JsonProperty("name")] public string Name { get; set; }
        /// <summary>orchestrationTrigger or activityTrigger.</summary>
        [JsonProperty("trigger")] public string Trigger { get; set; }
    }

    /// <summary>The base of every status link: the Node side's public origin (it proxies the webhook routes here).</summary>
    internal sealed class WebhookBase : IWebHookProvider
    {
        private readonly Uri uri;

        public WebhookBase(string origin)
        {
            uri = new Uri(origin.TrimEnd('/') + "/runtime/webhooks/durabletask");
        }

        public Uri GetUrl(IExtensionConfigProvider extension) => uri;
    }
}
