using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;

namespace Dispatch.Drill;

/// <summary>
/// A hub connection for the positions stage's ten thousand phones: one WebSocket speaking SignalR's JSON hub protocol
/// itself (handshake, invocations and their completions, pings, close), with one pending receive and nothing else per
/// phone. SignalR's <c>HubConnection</c> runs a timer loop per connection (a tick a second: ten thousand work items a
/// second for ten thousand phones, before any report) plus its pipes; on the same two cores as the server and
/// PostgreSQL, the drill itself fell behind, its phones missed the server's pings and were closed, and the figure was
/// the load generator's, not the server's (docs/benchmarks.md, "Ten thousand phones without starving the load generator"). Pings go out from
/// one loop for all phones (<see cref="PingIdle"/>). Invocations the server makes (<c>Messages</c>) are acknowledged as
/// the unit app does.
/// </summary>
public sealed class HubSocket : IAsyncDisposable
{
    const byte Separator = 0x1e;
    static readonly byte[] Ping = Encoding.UTF8.GetBytes("{\"type\":6}\u001e");

    readonly ClientWebSocket _socket;
    readonly ConcurrentDictionary<string, TaskCompletionSource<JsonElement>> _pending = new();
    readonly SemaphoreSlim _sending = new(1, 1);
    readonly CancellationTokenSource _stop = new();
    int _next;
    long _lastSent = Environment.TickCount64;
    Task _receiving = Task.CompletedTask;

    HubSocket(ClientWebSocket socket) => _socket = socket;

    /// <summary>Why the server closed the connection, if it did.</summary>
    public string? Closed { get; private set; }

    /// <summary>Connects to the hub at <paramref name="hub"/> (http or https) with the session's cookies, and shakes hands.</summary>
    public static async Task<HubSocket> Connect(Uri hub, CookieContainer cookies, CancellationToken ct)
    {
        var socket = new ClientWebSocket();
        socket.Options.Cookies = cookies;
        socket.Options.KeepAliveInterval = TimeSpan.Zero; // SignalR's pings are messages of its own
        var phone = new HubSocket(socket);
        try
        {
            await socket.ConnectAsync(new UriBuilder(hub) { Scheme = hub.Scheme == "https" ? "wss" : "ws" }.Uri, ct);
            await phone.Send(Encoding.UTF8.GetBytes("{\"protocol\":\"json\",\"version\":1}\u001e"), ct);
            var buffer = new ArrayBufferWriter<byte>(256);
            var answer = await phone.ReadMessage(buffer, ct) ?? throw new WebSocketException("closed during the handshake");
            using (var handshake = JsonDocument.Parse(answer))
                if (handshake.RootElement.TryGetProperty("error", out var error))
                    throw new InvalidOperationException($"handshake refused: {error.GetString()}");
            phone._receiving = phone.ReceiveLoop(buffer);
            return phone;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Calls <paramref name="target"/> and waits for its completion's result.</summary>
    public async Task<T> Invoke<T>(string target, object?[] arguments, CancellationToken ct)
    {
        if (Closed is { } why) throw new InvalidOperationException($"the connection is closed: {why}");
        var id = Interlocked.Increment(ref _next).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var answer = new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[id] = answer;
        try
        {
            await Send(Message(id, target, arguments), ct);
            var result = await answer.Task.WaitAsync(ct);
            return result.Deserialize<T>(Dispatch.Contracts.ContractJson.Options)!;
        }
        finally
        {
            _pending.TryRemove(id, out _);
        }
    }

    /// <summary>Sends a ping to each open phone that has sent nothing for <paramref name="idle"/> (the server closes a silent one).</summary>
    public static async Task PingIdle(IEnumerable<HubSocket> phones, TimeSpan idle, CancellationToken ct)
    {
        foreach (var phone in phones)
        {
            if (phone.Closed is not null || Environment.TickCount64 - Interlocked.Read(ref phone._lastSent) < idle.TotalMilliseconds) continue;
            try { await phone.Send(Ping, ct); }
            catch (Exception e) when (e is WebSocketException or ObjectDisposedException or InvalidOperationException) { phone.Closed ??= e.Message; }
        }
    }

    static byte[] Message(string? id, string target, object?[] arguments)
    {
        var output = new ArrayBufferWriter<byte>(256);
        using (var json = new Utf8JsonWriter(output))
        {
            json.WriteStartObject();
            json.WriteNumber("type", 1);
            if (id is not null) json.WriteString("invocationId", id);
            json.WriteString("target", target);
            json.WritePropertyName("arguments");
            JsonSerializer.Serialize(json, arguments, Dispatch.Contracts.ContractJson.Options);
            json.WriteEndObject();
        }
        output.Write([Separator]);
        return output.WrittenSpan.ToArray();
    }

    async Task Send(byte[] message, CancellationToken ct)
    {
        await _sending.WaitAsync(ct);
        try
        {
            await _socket.SendAsync(message, WebSocketMessageType.Text, endOfMessage: true, ct);
            Interlocked.Exchange(ref _lastSent, Environment.TickCount64);
        }
        finally
        {
            _sending.Release();
        }
    }

    // The next whole message (without its separator), or null once the socket is closed. A frame may hold several
    // messages or part of one: what follows a separator stays in the buffer for the next call.
    async Task<byte[]?> ReadMessage(ArrayBufferWriter<byte> buffer, CancellationToken ct)
    {
        while (true)
        {
            var written = buffer.WrittenSpan;
            var end = written.IndexOf(Separator);
            if (end >= 0)
            {
                var message = written[..end].ToArray();
                var rest = written[(end + 1)..].ToArray();
                buffer.Clear();
                buffer.Write(rest);
                return message;
            }
            var received = await _socket.ReceiveAsync(buffer.GetMemory(4096), ct);
            if (received.MessageType == WebSocketMessageType.Close) return null;
            buffer.Advance(received.Count);
        }
    }

    async Task ReceiveLoop(ArrayBufferWriter<byte> buffer)
    {
        try
        {
            while (await ReadMessage(buffer, _stop.Token) is { } message)
            {
                using var json = JsonDocument.Parse(message);
                var root = json.RootElement;
                switch (root.GetProperty("type").GetInt32())
                {
                    case 3 when root.TryGetProperty("invocationId", out var id) && _pending.TryGetValue(id.GetString()!, out var answer):
                        if (root.TryGetProperty("error", out var error)) answer.TrySetException(new InvalidOperationException(error.GetString()));
                        else answer.TrySetResult(root.TryGetProperty("result", out var result) ? result.Clone() : default);
                        break;
                    case 1 when root.GetProperty("target").GetString() == "Messages":
                        // Sent, not invoked, as the unit app does: each message acknowledged by its sequence number.
                        foreach (var batch in root.GetProperty("arguments").EnumerateArray())
                            foreach (var m in batch.EnumerateArray())
                                _ = Send(Message(null, "Ack", [m.GetProperty("seq").GetInt64()]), CancellationToken.None);
                        break;
                    case 7:
                        Closed = root.TryGetProperty("error", out var why) && why.ValueKind == JsonValueKind.String ? why.GetString() : "closed by the server";
                        return;
                }
            }
            Closed ??= "the socket closed";
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or ObjectDisposedException or JsonException)
        {
            Closed ??= e.Message;
        }
        finally
        {
            foreach (var answer in _pending.Values) answer.TrySetException(new InvalidOperationException($"the connection is closed: {Closed}"));
        }
    }

    public async ValueTask DisposeAsync()
    {
        Closed ??= "disposed";
        try
        {
            if (_socket.State == WebSocketState.Open)
            {
                using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, patience.Token);
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or ObjectDisposedException) { }
        _stop.Cancel();
        await _receiving.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _socket.Dispose();
        _stop.Dispose();
        _sending.Dispose();
    }
}
