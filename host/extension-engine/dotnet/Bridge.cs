// Forwards an invocation to the Node side (host/extension-engine/bridge.ts), which runs it through
// the app's own programming model, as the Node worker does. A failure comes back as the Functions
// host reports a worker's: an RpcException whose message is "Result: Failure\nException: <message>
// \nStack: <stack>" and whose RemoteMessage is the error's message, which is what the extension
// reads (OutOfProcExceptionHelpers: the $OutOfProcData$ of a failed orchestrator, the friendly
// message of a failed activity).
using System;
using System.Net.Http;
using System.Text;
using System.Threading.Tasks;
using Microsoft.Azure.WebJobs.Extensions.DurableTask;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace DurableFlow.ExtensionHost
{
    public static class Bridge
    {
        private static readonly HttpClient Http = new HttpClient { Timeout = System.Threading.Timeout.InfiniteTimeSpan };
        private static Uri nodeUrl;
        private static string secret;

        // How the Functions host reads a worker's JSON (TypedData.Json): dates stay strings.
        private static readonly JsonSerializerSettings WorkerJson = new JsonSerializerSettings { DateParseHandling = DateParseHandling.None };

        internal static void Configure(string url, string key)
        {
            nodeUrl = new Uri(url);
            secret = key ?? string.Empty;
        }

        // The Functions host hands the extension a Node worker's JSON return value already parsed,
        // and parsed with DateParseHandling.None (azure-functions-host, RpcMessageConversionExtensions
        // ToObject: `_datetimeSerializerSettings`), so the orchestrator's state reaches the shim as a
        // JObject whose date-like strings are untouched. Returned as text instead, the shim would
        // JObject.Parse it (TaskOrchestrationShim.ParseOOProcResult) with Newtonsoft's default date
        // parsing and rewrite every ISO date string in the output and in activity inputs
        // ("…:11.990Z" -> "…:11.99Z"), which Azure does not do.
        public static async Task<object> Orchestrate(string name, string context)
        {
            JToken result = await CallAsync("orchestration", name, context).ConfigureAwait(false);
            // A string return value reaches the extension as a string (TypedData.String), as from a worker.
            return result.Type == JTokenType.String ? result.Value<string>() : result;
        }

        public static async Task<object> RunActivity(string name, IDurableActivityContext context)
        {
            JToken input = context.GetInput<JToken>();
            string json = input == null ? "null" : input.ToString(Formatting.None);
            return await CallAsync("activity", name, json).ConfigureAwait(false);
        }

        private static async Task<JToken> CallAsync(string kind, string name, string json)
        {
            var body = new JObject { ["kind"] = kind, ["name"] = name, ["data"] = json };
            using var request = new HttpRequestMessage(HttpMethod.Post, nodeUrl)
            {
                Content = new StringContent(body.ToString(Formatting.None), Encoding.UTF8, "application/json"),
            };
            request.Headers.Add("x-durable-flow-secret", secret);
            using HttpResponseMessage response = await Http.SendAsync(request).ConfigureAwait(false);
            string text = await response.Content.ReadAsStringAsync().ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                // The Node side could not run it at all: what the Functions host reports for a worker error.
                throw new Microsoft.Azure.WebJobs.Script.Workers.Rpc.RpcException("Failure", $"the Node side answered {(int)response.StatusCode}: {text}", string.Empty);
            }
            JObject reply = JObject.Parse(text);
            if (reply.Value<bool>("ok"))
            {
                string result = reply.Value<string>("result");
                return result == null ? JValue.CreateNull() : JsonConvert.DeserializeObject<JToken>(result, WorkerJson);
            }
            throw new Microsoft.Azure.WebJobs.Script.Workers.Rpc.RpcException("Failure", reply.Value<string>("message") ?? string.Empty, reply.Value<string>("stack") ?? string.Empty);
        }
    }
}

namespace Microsoft.Azure.WebJobs.Script.Workers.Rpc
{
    /// <summary>
    /// The exception the Functions host raises for a worker's failed invocation (same full name,
    /// message and RemoteMessage), which the extension recognizes by name.
    /// </summary>
    public class RpcException : Exception
    {
        public RpcException(string result, string message, string stack)
            : base($"Result: {result}\nException: {message}\nStack: {stack}")
        {
            RemoteMessage = message;
            RemoteStackTrace = stack;
        }

        public string RemoteMessage { get; }

        public string RemoteStackTrace { get; }
    }
}
