namespace Dispatch.Drill;

/// <summary>
/// <c>chat</c>: one person in one channel at a terminal. Prints the channel's last page, then each new message as it is
/// pushed; each line typed on stdin is posted (slash commands included), and what only the sender sees — a command done,
/// an answer, a refusal with how to write it — is printed under it. Ends at the end of stdin or on Ctrl+C.
/// </summary>
public static class ChatTerminal
{
    public const string Usage = "chat --channel KEY [--login L] [--password P] [--url URL] [--language zh-CN|en]";

    public static async Task<int> Run(Options o, TextReader input, TextWriter output)
    {
        var url = o.Url();
        var channel = o.String("--channel", "");
        var login = o.String("--login", "city.dispatcher");
        var password = o.String("--password", "dispatch-demo");
        var language = o.String("--language", "zh-CN");
        o.RejectUnknown();
        if (channel.Length == 0) throw new OptionException("--channel is needed, e.g. --channel node:demo/dh or --channel incident:<id>.");

        // Ctrl+C ends the process as usual; what was shown is marked read as it goes.
        using var stop = new CancellationTokenSource();

        var gate = new Lock();
        long shown = 0;
        void Print(string line) { lock (gate) output.WriteLine(line); }
        // Messages of this channel in order, each once (a resync reloads the page and prints only what is new).
        void Show(ChatMessageView m)
        {
            lock (gate)
            {
                if (m.Seq <= shown) return;
                shown = m.Seq;
                output.WriteLine(ChatLine.Format(m));
            }
        }

        using var session = await DispatchClient.SignIn(url, login, password, Print, stop.Token);
        ChatLine? chat = null;
        async Task Reload()
        {
            var page = await chat!.History(channel, ct: stop.Token);
            foreach (var m in page.Messages) Show(m);
        }
        chat = await ChatLine.Connect(session, m =>
        {
            if (m.Channel == channel) Show(m);
            // Named elsewhere: worth a line, with where.
            else if (m.MentionsMe) Print($"[{m.Channel}] {ChatLine.Format(m)}");
            return Task.CompletedTask;
        }, Reload, language, stop.Token);
        await using var _ = chat;

        var first = await chat.History(channel, ct: stop.Token);
        if (first.HasMore) Print("… (older messages above)");
        foreach (var m in first.Messages) Show(m);
        Print($"-- {login} in {channel}: type a message or a /command (/help), end with Ctrl+D --");
        await MarkRead();

        try
        {
            while (await input.ReadLineAsync(stop.Token) is { } typed)
            {
                if (string.IsNullOrWhiteSpace(typed)) continue;
                var reply = await chat.Post(channel, typed, stop.Token);
                switch (reply.Kind)
                {
                    case "posted":
                        break; // the channel's own copy comes pushed
                    case "done":
                        Print($"  ✓ {reply.Text}");
                        break;
                    case "answer":
                        Print(string.Join('\n', (reply.Text ?? "").Split('\n').Select(l => "  " + l)));
                        break;
                    default:
                        Print($"  ✗ {reply.Text}");
                        if (reply.Usage is { } usage) Print($"    usage: {usage}");
                        break;
                }
                await MarkRead();
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested) { }

        await MarkRead();
        return 0;

        async Task MarkRead()
        {
            long last;
            lock (gate) last = shown;
            if (last > 0) await chat.MarkRead(channel, last, CancellationToken.None);
        }
    }
}
