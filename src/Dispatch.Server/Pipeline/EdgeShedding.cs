using System.Diagnostics;

namespace Dispatch.Server.Pipeline;

/// <summary>
/// Past the ceiling, an API command is refused at the door: while the admission gate is full (every turn taken, the queue
/// full), a write request to <c>/api</c> gets the gate's own answer (503 + <c>Retry-After</c>, code <c>overloaded</c>) before
/// its cookie is decrypted, its body read or its JSON parsed. Why: the gate would refuse it anyway, but only after that
/// work, and at several times the ceiling the refusals' work took the cores from the commands being served (at 1,000
/// intakes a second offered, 118 were served: docs/benchmarks.md, issue 15). Sign-in and sign-out are not commands and
/// are let through; reads, hubs and circuits are not touched.
/// </summary>
public static class EdgeShedding
{
    public static WebApplication UseEdgeShedding(this WebApplication app)
    {
        var admission = app.Services.GetRequiredService<Admission>();
        app.Use((http, next) =>
        {
            var request = http.Request;
            if (!admission.Full || !IsCommand(request)) return next(http);
            DispatchMetrics.CommandShed(Via.Api, "edge", Stopwatch.GetTimestamp());
            // Thrown, so the answer is exactly the gate's (TransientDatabaseHandler), headers and problem body included.
            throw new OverloadedException(admission.RetryAfterSeconds);
        });
        return app;
    }

    static bool IsCommand(HttpRequest request) =>
        (HttpMethods.IsPost(request.Method) || HttpMethods.IsPut(request.Method) || HttpMethods.IsPatch(request.Method) || HttpMethods.IsDelete(request.Method))
        && request.Path.StartsWithSegments("/api")
        && !request.Path.StartsWithSegments("/api/session");
}
