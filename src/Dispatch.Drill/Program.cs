using Dispatch.Drill;

// Dispatch.Drill: drives a running Dispatch through its API and hubs, as its desks and units' phones do, for demos,
// drills and load figures. Every command signs in like any API client (POST /api/session); see README "Drills and load".
//
//   dotnet run --project src/Dispatch.Drill -c Release -- <command> [options]
//
//   calls         simulated hotline calls; intake → board push latency
//   units         simulated field units: patrol, report positions, work their assignments (Ctrl+C signs them out)
//   bench-assign  dispatch → unit phone push latency
//   bench-chat    chat post → members' push latency
//   chat          one person in one chat channel at this terminal (stdin lines are posted, slash commands included)
//   busy-hour     calls at a steady rate and simulated units together (watch the situation screen meanwhile)
//   bench-map     what moving many units costs the dispatcher map's circuit (bytes and frames per round)
//   bench-rewind  what a rewind (time travel) costs at random moments; with --scrub, intake p99 alone and while a client scrubs
//   bench-history a command on a fresh stream against one with 20,000 events (does cost follow history?)
//   bench         the baselines and the product in one run: pgbench, intake steps, dispatch, positions of N units, chat; one table
//   bench-units   what connected unit phones (hub connections) cost the server: heap after full GC, RSS, CPU idle and under reports
//   bench-circuits what open console pages (Blazor circuits) cost the server: heap after full GC, RSS, CPU idle and under pushes
//   settle        cancels all but the newest N open incidents (a benchmark database back to a city's board after intake runs)
//   failover      the cluster drill: kill -9 a node behind nginx under load; nothing lost, units and console back (deploy/drill)
//   rolling       the same load while every node restarts in turn
//   exercise      plays a drill scenario into an exercise node (never the live city) and prints the plan tasks' times

const string usage = "usage: Dispatch.Drill <command> [options]\n  " + Calls.Usage + "\n  " + Units.Usage + "\n  " + BenchAssign.Usage +
    "\n  " + BenchChat.Usage + "\n  " + ChatTerminal.Usage + "\n  " + BusyHour.Usage + "\n  " + BenchMap.Usage + "\n  " + BenchHistory.Usage + "\n  " + BenchRewind.Usage + "\n  " + Bench.Usage +
    "\n  " + BenchCircuits.Usage + "\n  " + BenchUnits.Usage + "\n  " + Settle.Usage + "\n  " + Failover.Usage + "\n  " + Exercise.Usage;
try
{
    var options = Options.Parse(args);
    return options.Command switch
    {
        "calls" => await Calls.Run(options),
        "units" => await Units.Run(options),
        "bench-assign" => await BenchAssign.Run(options),
        "bench-chat" => await BenchChat.Run(options),
        "chat" => await ChatTerminal.Run(options, Console.In, Console.Out),
        "busy-hour" => await BusyHour.Run(options),
        "bench-map" => await BenchMap.Run(options),
        "bench-history" => await BenchHistory.Run(options),
        "bench-rewind" => await BenchRewind.Run(options),
        "bench" => await Bench.Run(options),
        "bench-circuits" => await BenchCircuits.Run(options),
        "bench-units" => await BenchUnits.Run(options),
        "settle" => await Settle.Run(options),
        "failover" => await Failover.Run(options, rolling: false),
        "rolling" => await Failover.Run(options, rolling: true),
        "exercise" => await Exercise.Run(options),
        _ => throw new OptionException(options.Command == "" ? "Name a command." : $"Unknown command '{options.Command}'."),
    };
}
catch (OptionException e)
{
    Console.Error.WriteLine(e.Message);
    Console.Error.WriteLine(usage);
    return 2;
}
catch (DispatchApiException e)
{
    Console.Error.WriteLine(e.Message);
    return 1;
}
catch (HttpRequestException e)
{
    Console.Error.WriteLine($"Cannot reach the console: {e.Message}");
    return 1;
}
