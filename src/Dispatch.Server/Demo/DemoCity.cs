namespace Dispatch.Server.Demo;

public static class DemoCitySetup
{
    public static WebApplicationBuilder AddDemoCity(this WebApplicationBuilder builder) => builder;
}
