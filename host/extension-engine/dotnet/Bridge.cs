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

        internal static void Configure(string url, string key)
        {
            nodeUrl = new Uri(url);
            secret = key ?? string.Empty;
        }

        public static async Task<string> Orchestrate(string name, string context)
        {
            JToken result = await CallAsync("orchestration", name, context).ConfigureAwait(false);
            return result.Type == JTokenType.String ? result.Value<string>() : result.ToString(Formatting.None);
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
                return result == null ? JValue.CreateNull() : JToken.Parse(result);
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
