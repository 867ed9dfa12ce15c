// The extension's own HTTP API on loopback: every request is handed to the extension's
// IAsyncConverter<HttpRequestMessage, HttpResponseMessage>, as the Functions host routes
// /runtime/webhooks/durabletask/* to it. The Node side proxies its public routes here.
using System;
using System.Linq;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.WebJobs;
using Microsoft.Azure.WebJobs.Host;
using Microsoft.Azure.WebJobs.Host.Config;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace DurableFlow.ExtensionHost
{
    internal static class WebhookApi
    {
        public static IAsyncConverter<HttpRequestMessage, HttpResponseMessage> Find(IServiceProvider services)
        {
            var registry = services.GetRequiredService<IExtensionRegistry>();
            return registry.GetExtensions<IExtensionConfigProvider>().OfType<IAsyncConverter<HttpRequestMessage, HttpResponseMessage>>().Single();
        }

        public static WebApplication Build(IAsyncConverter<HttpRequestMessage, HttpResponseMessage> api, int port)
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.ClearProviders();
            builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
            builder.WebHost.ConfigureKestrel(o => o.Limits.MaxRequestBodySize = 32 * 1024 * 1024);
            WebApplication app = builder.Build();
            app.Run(context => Forward(api, context));
            return app;
        }

        private static async Task Forward(IAsyncConverter<HttpRequestMessage, HttpResponseMessage> api, HttpContext context)
        {
            // The Node side passes the public URL the caller used; the extension routes on its path.
            string url = context.Request.Headers["x-durable-flow-url"].FirstOrDefault();
            if (url == null)
            {
                context.Response.StatusCode = 400;
                return;
            }
            using var request = new HttpRequestMessage(new HttpMethod(context.Request.Method), url);
            var body = new System.IO.MemoryStream();
            await context.Request.Body.CopyToAsync(body);
            body.Position = 0;
            request.Content = new StreamContent(body);
            foreach (var header in context.Request.Headers)
            {
                if (header.Key.StartsWith("x-durable-flow-", StringComparison.OrdinalIgnoreCase) || header.Key.Equals("Host", StringComparison.OrdinalIgnoreCase)) continue;
                if (!request.Headers.TryAddWithoutValidation(header.Key, (string[])header.Value))
                {
                    request.Content.Headers.TryAddWithoutValidation(header.Key, (string[])header.Value);
                }
            }
            using HttpResponseMessage response = await api.ConvertAsync(request, CancellationToken.None);
            context.Response.StatusCode = (int)response.StatusCode;
            foreach (var header in response.Headers.Concat(response.Content?.Headers ?? Enumerable.Empty<System.Collections.Generic.KeyValuePair<string, System.Collections.Generic.IEnumerable<string>>>()))
            {
                if (header.Key.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase)) continue;
                context.Response.Headers[header.Key] = header.Value.ToArray();
            }
            if (response.Content != null) await response.Content.CopyToAsync(context.Response.Body);
        }
    }
}
