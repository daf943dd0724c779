using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Dispatch.Server.Tests.Infrastructure;

/// <summary>
/// Keeps the server's unhandled exceptions (logged at Error with an exception) so that a test that meets a
/// 500 can say why: the server's own 500 has an empty body.
/// </summary>
public sealed class ServerErrors : ILoggerProvider
{
    readonly ConcurrentQueue<string> _errors = new();

    public IReadOnlyList<string> All => [.. _errors];

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose() { }

    sealed class Logger(ServerErrors sink, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Error;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception,
            Func<TState, Exception?, string> formatter)
        {
            // Marten logs each failed batch itself; the unhandled exception that made the 500 follows.
            if (exception is null || logLevel < LogLevel.Error || category.StartsWith("Marten")) return;
            sink._errors.Enqueue($"{category}: {exception.GetType().FullName}: {exception.Message}");
            while (sink._errors.Count > 50) sink._errors.TryDequeue(out _);
        }
    }
}

/// <summary>Puts the server's last logged exceptions into the body of an otherwise empty 5xx response.</summary>
sealed class ExplainServerErrors(ServerErrors errors, HttpMessageHandler? inner = null) : DelegatingHandler(inner ?? new SocketsHttpHandler())
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
    {
        var response = await base.SendAsync(request, ct);
        if ((int)response.StatusCode >= 500 && response.Content.Headers.ContentLength is null or 0 && response.Content.Headers.ContentType is null)
            response.Content = new StringContent("[no body; server log:] " + string.Join(" | ", errors.All.TakeLast(3)));
        return response;
    }
}
