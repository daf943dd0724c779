namespace Dispatch.Server.Rewind;

/// <summary>Time travel (issue 20): the record as it stood at a past moment, for the as-of views and the review page.</summary>
public static class RewindSetup
{
    public static WebApplicationBuilder AddRewind(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<PastRecord>();
        builder.Services.AddSingleton<PastViews>();
        // Scoped: it reads the chat through ChatService, which is.
        builder.Services.AddScoped<IncidentReview>();
        // The scrubber's steps, cut for the person looking (rewind-ui).
        builder.Services.AddSingleton<Components.Rewind.ReplaySteps>();
        return builder;
    }
}
