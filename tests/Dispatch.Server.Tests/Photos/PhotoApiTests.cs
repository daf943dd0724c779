using System.Buffers.Binary;
using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Dispatch.Domain.Access;
using Dispatch.Domain.Incidents;
using Dispatch.Server.Incidents;
using Dispatch.Server.Photos;
using Dispatch.Server.Pipeline;
using Dispatch.Server.Tests.Access;
using Dispatch.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Dispatch.Server.Tests.Photos;

/// <summary>A server that takes photos of at most 4 KB, so the size limit is tested with small bodies.</summary>
public sealed class SmallPhotosApp : DispatchApp
{
    public const long Limit = 4096;

    public SmallPhotosApp() => Settings = new() { ["Dispatch:Uploads:MaxPhotoBytes"] = Limit.ToString() };
}

/// <summary>
/// Photos of the scene: a department on the incident attaches one (multipart, field <c>photo</c>), it is on the
/// timeline and reads back byte for byte; too large, not a photo, a stranger, a finished incident: refused with the
/// field or the rule named, and nothing written (no event, no photo row).
/// </summary>
public class PhotoApiTests(SmallPhotosApp app) : IClassFixture<SmallPhotosApp>
{
    const string Urban = Steps.Department;
    const string Caption = "井盖缺失现场";

    [Fact]
    public async Task A_handler_attaches_a_png_that_shows_on_the_timeline_and_reads_back_byte_for_byte()
    {
        var scopes = new Scopes(app);
        var incident = await app.Client().Acknowledged(Urban);
        var handler = scopes.As(app, Role.Handler, Where.Town, Urban, tag: "photo");
        var png = Photo.Png(8, 6);

        // No department named: the handler works for one, so it is that one.
        using var response = await handler.PostAsync(Url(incident.Id), Form(png, caption: Caption));

        await response.ShouldBe(HttpStatusCode.Created);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        var photoId = body.GetProperty("photoId").GetGuid();
        Assert.Equal(incident.Version + 1, body.GetProperty("version").GetInt64());
        Assert.Equal($"/api/incidents/{incident.Id}/photos/{photoId}", response.Headers.Location?.OriginalString);

        var entry = (await handler.Detail(incident.Id)).GetProperty("timeline").EnumerateArray().Last();
        Assert.Equal("PhotoAttached", entry.GetProperty("kind").GetString());
        Assert.Equal(Urban, entry.GetProperty("department").GetString());
        Assert.Equal(Scopes.Login(Role.Handler, Where.Town, Urban, "photo"), entry.GetProperty("by").GetString());
        Assert.Equal($"{Caption} · {png.Length} bytes", entry.GetProperty("text").GetString());
        Assert.Equal(photoId, entry.GetProperty("photoId").GetGuid());

        using var read = await handler.GetAsync($"{Url(incident.Id)}/{photoId}");
        await read.ShouldBe(HttpStatusCode.OK);
        Assert.Equal(png, await read.Content.ReadAsByteArrayAsync());
        Assert.Equal("image/png", read.Content.Headers.ContentType?.MediaType);
        Assert.Equal("nosniff", Assert.Single(read.Headers.GetValues("X-Content-Type-Options")));
        Assert.Equal("inline", read.Content.Headers.ContentDisposition?.DispositionType);
        Assert.True(read.Headers.CacheControl is { Private: true, NoCache: true }, $"Cache-Control: {read.Headers.CacheControl}");
        // Asked again with what it has, the browser gets "not modified" (after the same access check).
        using var again = new HttpRequestMessage(HttpMethod.Get, $"{Url(incident.Id)}/{photoId}");
        again.Headers.IfNoneMatch.Add(read.Headers.ETag!);
        using var notModified = await handler.SendAsync(again);
        Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);

        var attached = Assert.IsType<IncidentPhotoAttached>((await app.Events(incident.Id)).Last().Data);
        Assert.Equal((photoId, "image/png", (long)png.Length, Caption), (attached.PhotoId, attached.ContentType, attached.Size, attached.Caption));
        Assert.Equal([photoId], await PhotoRows(incident.Id));
    }

    [Fact]
    public async Task A_field_unit_attaches_a_jpeg_the_step_is_audited_and_the_board_card_moves_on()
    {
        var scopes = new Scopes(app);
        var incident = await app.Client().Acknowledged(Urban);
        var unit = scopes.As(app, Role.FieldUnit, Where.Town, Urban, tag: "photo");

        using var response = await unit.PostAsync(Url(incident.Id), Form(Photo.Jpeg(300), "IMG_0001.JPG", "image/jpeg"));

        await response.ShouldBe(HttpStatusCode.Created);
        var photoId = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("photoId").GetGuid();
        Assert.Equal(incident.Version + 1, (await app.Card(incident.Id))!.Version);
        var leader = scopes.As(app, Role.Leader, Where.City, tag: "photo-audit");
        var entries = (await leader.GetJson($"/api/audit?incident={incident.Number}")).EnumerateArray().ToList();
        var audited = entries.First();
        Assert.Equal("incident.progress", audited.GetProperty("action").GetString());
        Assert.Equal(Scopes.Login(Role.FieldUnit, Where.Town, Urban, "photo"), audited.GetProperty("user").GetString());
        Assert.Contains(photoId.ToString(), audited.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task A_handler_of_several_departments_names_the_one_it_attaches_for()
    {
        var incident = await app.Client().Acknowledged(Urban);
        var allDepartments = app.Client();

        using var unnamed = await allDepartments.PostAsync(Url(incident.Id), Form(Photo.Png(4, 4)));
        using var named = await allDepartments.PostAsync(Url(incident.Id), Form(Photo.Png(4, 4), department: Urban));

        Assert.Contains("department", (await unnamed.FieldErrors()).Keys);
        await named.ShouldBe(HttpStatusCode.Created);
        Assert.Single(await PhotoRows(incident.Id));
    }

    [Fact]
    public async Task A_photo_over_the_limit_is_refused_with_413_naming_photo_and_the_limit_and_nothing_is_written()
    {
        var incident = await app.Client().Acknowledged(Urban);
        var handler = new Scopes(app).As(app, Role.Handler, Where.Town, Urban, tag: "photo");
        var png = Photo.Png(40, 40);
        Assert.InRange(png.Length, SmallPhotosApp.Limit + 1, SmallPhotosApp.Limit * 2);

        await app.WritesNothing(incident.Id, async () =>
        {
            using var response = await handler.PostAsync(Url(incident.Id), Form(png, caption: Caption));

            var message = await FieldError(response, HttpStatusCode.RequestEntityTooLarge, "photo");
            Assert.Equal("The photo is larger than 4 KB: send one of at most 4 KB.", message);
        });
        Assert.Empty(await PhotoRows(incident.Id));
    }

    [Fact]
    public async Task An_upload_beyond_the_request_limit_is_cut_off_before_its_body_is_sent()
    {
        var incident = await app.Client().Acknowledged(Urban);
        var grant = new Grant(Role.Handler, new Scopes(app).Town.Path, Urban);
        var cookies = await app.SignIn("photo-big-sender", grant);
        using var client = new HttpClient(new SocketsHttpHandler { CookieContainer = cookies, Expect100ContinueTimeout = TimeSpan.FromMinutes(1) })
        {
            BaseAddress = app.BaseAddress,
            DefaultRequestHeaders = { AcceptLanguage = { new StringWithQualityHeaderValue("en") } },
        };
        var big = new CountingContent(256 * 1024);
        using var form = new MultipartFormDataContent { { big, "photo", "huge.png" } };
        using var request = new HttpRequestMessage(HttpMethod.Post, Url(incident.Id)) { Content = form };
        // The client waits for the server's go-ahead before sending the body: the server refuses at the headers.
        request.Headers.ExpectContinue = true;

        await app.WritesNothing(incident.Id, async () =>
        {
            using var response = await client.SendAsync(request);

            var message = await FieldError(response, HttpStatusCode.RequestEntityTooLarge, "photo");
            Assert.Contains("at most 4 KB", message);
        });
        Assert.Equal(0, big.BytesSent);
        Assert.Empty(await PhotoRows(incident.Id));
    }

    public static TheoryData<string, byte[], string, string> NotPhotos => new()
    {
        { "a text file", Encoding.UTF8.GetBytes("井盖在建国路88号门口，请尽快处理。"), "note.txt", "text/plain" },
        { "an executable named .jpg and declared a JPEG", [.. "MZ"u8, 0x90, 0, 3, 0, 0, 0, 4, 0, 0, 0, 0xFF, 0xFF, 0, 0, .. new byte[200]], "scene.jpg", "image/jpeg" },
        { "a GIF declared a PNG", [.. "GIF89a"u8, 1, 0, 1, 0, 0x80, 0, 0, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0x2C, 0, 0, 0, 0, 1, 0, 1, 0, 0, 2, 2, 0x44, 1, 0, 0x3B], "scene.png", "image/png" },
    };

    [Theory, MemberData(nameof(NotPhotos))]
    public async Task A_file_that_is_not_a_photo_is_refused_naming_photo_whatever_its_name_or_declared_type(
        string what, byte[] bytes, string fileName, string declared)
    {
        var incident = await app.Client().Acknowledged(Urban);
        var handler = new Scopes(app).As(app, Role.Handler, Where.Town, Urban, tag: "photo");

        await app.WritesNothing(incident.Id, async () =>
        {
            using var response = await handler.PostAsync(Url(incident.Id), Form(bytes, fileName, declared));

            var message = await FieldError(response, HttpStatusCode.UnsupportedMediaType, "photo");
            Assert.True(message.Contains("JPEG, PNG or WebP"), $"{what}: {message}");
        });
        Assert.Empty(await PhotoRows(incident.Id));
    }

    [Fact]
    public async Task No_file_or_an_empty_one_is_refused_naming_photo()
    {
        var incident = await app.Client().Acknowledged(Urban);
        var handler = new Scopes(app).As(app, Role.Handler, Where.Town, Urban, tag: "photo");

        await app.WritesNothing(incident.Id, async () =>
        {
            using var empty = await handler.PostAsync(Url(incident.Id), Form([]));
            using var captionOnly = await handler.PostAsync(Url(incident.Id), new MultipartFormDataContent { { new StringContent(Caption), "caption" } });
            using var json = await handler.PostRaw(Url(incident.Id), """{ "photo": "iVBORw0KGgo=" }""");

            Assert.Equal(["The photo is empty."], (await empty.FieldErrors())["photo"]);
            Assert.Contains("'photo'", (await captionOnly.FieldErrors())["photo"][0]);
            Assert.Contains("multipart/form-data", await FieldError(json, HttpStatusCode.UnsupportedMediaType, "photo"));
        });
        Assert.Empty(await PhotoRows(incident.Id));
    }

    [Fact]
    public async Task A_stranger_from_another_district_is_refused_403_audited_and_nothing_is_written()
    {
        var scopes = new Scopes(app);
        var incident = await app.Client().Acknowledged(Urban);
        var stranger = scopes.As(app, Role.Handler, Where.OtherDistrict, Urban);

        await app.WritesNothing(incident.Id, async () =>
        {
            using var response = await stranger.PostAsync(Url(incident.Id), Form(Photo.Png(4, 4), caption: Caption));

            var problem = await response.Problem(HttpStatusCode.Forbidden);
            Assert.Equal("access.denied", problem.GetProperty("code").GetString());
            Assert.Contains(incident.Number, problem.GetProperty("detail").GetString());
        });
        Assert.Empty(await PhotoRows(incident.Id));
        var leader = scopes.As(app, Role.Leader, Where.City, tag: "photo-audit");
        var refused = Assert.Single((await leader.GetJson($"/api/audit?user={Scopes.Login(Role.Handler, Where.OtherDistrict, Urban)}"))
            .EnumerateArray(), e => e.GetProperty("number").GetString() == incident.Number);
        Assert.False(refused.GetProperty("allowed").GetBoolean());
        Assert.Equal("incident.progress", refused.GetProperty("action").GetString());
    }

    [Fact]
    public async Task Only_readers_of_the_incident_get_its_photos_and_only_through_that_incident()
    {
        var scopes = new Scopes(app);
        var dispatcher = app.Client();
        var incident = await dispatcher.Acknowledged(Urban);
        var other = await dispatcher.Acknowledged(Urban);
        using var attached = await dispatcher.PostAsync(Url(incident.Id), Form(Photo.Png(4, 4), department: Urban));
        await attached.ShouldBe(HttpStatusCode.Created);
        var photoId = (await attached.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("photoId").GetGuid();

        using var stranger = await scopes.As(app, Role.Dispatcher, Where.OtherDistrict, tag: "photo").GetAsync($"{Url(incident.Id)}/{photoId}");
        using var otherDepartment = await scopes.As(app, Role.Handler, Where.Town, "water", tag: "photo").GetAsync($"{Url(incident.Id)}/{photoId}");
        using var leader = await scopes.As(app, Role.Leader, Where.District, tag: "photo").GetAsync($"{Url(incident.Id)}/{photoId}");
        using var throughOther = await dispatcher.GetAsync($"{Url(other.Id)}/{photoId}");
        using var unknownPhoto = await dispatcher.GetAsync($"{Url(incident.Id)}/{Guid.NewGuid()}");
        using var unknownIncident = await dispatcher.GetAsync($"{Url(Guid.NewGuid())}/{photoId}");

        Assert.Equal("access.denied", (await stranger.Problem(HttpStatusCode.Forbidden)).GetProperty("code").GetString());
        await otherDepartment.Problem(HttpStatusCode.Forbidden);
        await leader.ShouldBe(HttpStatusCode.OK);
        Assert.Equal(Photo.Png(4, 4), await leader.Content.ReadAsByteArrayAsync());
        await throughOther.Problem(HttpStatusCode.NotFound);
        await unknownPhoto.Problem(HttpStatusCode.NotFound);
        await unknownIncident.Problem(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Attaching_to_a_closed_incident_is_refused_422_with_the_code()
    {
        var incident = await app.Client().Closed(Urban);
        var handler = new Scopes(app).As(app, Role.Handler, Where.Town, Urban, tag: "photo");

        await app.WritesNothing(incident.Id, async () =>
        {
            using var response = await handler.PostAsync(Url(incident.Id), Form(Photo.Png(4, 4), caption: Caption));

            Assert.Equal($"Incident {incident.Number} is closed; reopen it first.", await response.Refusal("incident.closed"));
        });
        Assert.Empty(await PhotoRows(incident.Id));
    }

    [Fact]
    public async Task A_department_not_on_the_incident_is_refused_by_the_rules()
    {
        var incident = await app.Client().Acknowledged(Urban);
        var water = new Scopes(app).As(app, Role.Handler, Where.Town, "water", tag: "photo");

        await app.WritesNothing(incident.Id, async () =>
        {
            using var response = await water.PostAsync(Url(incident.Id), Form(Photo.Png(4, 4)));

            Assert.Equal($"Water Authority neither leads nor assists incident {incident.Number}: only its departments attach photos to it.",
                await response.Refusal("photo.not-involved"));
        });
        Assert.Empty(await PhotoRows(incident.Id));
    }

    [Fact]
    public async Task A_commit_that_fails_keeps_neither_the_event_nor_the_photo()
    {
        var incident = await app.Client().Acknowledged(Urban);
        var pipeline = app.Services.GetRequiredService<CommandPipeline>();
        var actor = new Actor("photo-atomic", "Photo Atomic", [new Grant(Role.Handler, new Scopes(app).Town.Path, Urban)]);
        var png = Photo.Png(4, 4);

        await app.WritesNothing(incident.Id, async () =>
        {
            await Assert.ThrowsAnyAsync<Exception>(() => pipeline.Run(actor, Via.Api, "test.photo", async work =>
            {
                var stream = await work.Incident(incident.Id);
                var decision = IncidentDecider.Decide(stream.Aggregate!,
                    new AttachPhoto(Urban, Guid.NewGuid(), PhotoFormat.Png, png.Length, null, actor.Login), work.Now);
                var attached = decision.Events.OfType<IncidentPhotoAttached>().Single();
                // The same row twice: the commit fails on the primary key, after the event and the first row were sent.
                return Decided.With<bool>([new IncidentDecided(incident.Id, decision.Events), new StorePhoto(attached, png), new StorePhoto(attached, png)],
                    _ => true);
            }));
        });
        Assert.Empty(await PhotoRows(incident.Id));
    }

    [Fact]
    public async Task In_Chinese_the_size_refusal_is_explained_in_Chinese()
    {
        var incident = await app.Client().Acknowledged(Urban);
        var handler = app.Client("photo-zh-handler", "zh-CN", new Grant(Role.Handler, new Scopes(app).Town.Path, Urban));

        using var response = await handler.PostAsync(Url(incident.Id), Form(Photo.Png(40, 40)));

        Assert.Equal("照片超过 4 KB：请上传不超过 4 KB 的照片。", await FieldError(response, HttpStatusCode.RequestEntityTooLarge, "photo"));
    }

    // ---- helpers ------------------------------------------------------------------------------------------

    internal static string Url(Guid incidentId) => $"/api/incidents/{incidentId}/photos";

    internal static MultipartFormDataContent Form(byte[] bytes, string fileName = "scene.png", string contentType = "image/png",
        string? caption = null, string? department = null)
    {
        var file = new ByteArrayContent(bytes);
        file.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        var form = new MultipartFormDataContent { { file, "photo", fileName } };
        if (caption is not null) form.Add(new StringContent(caption), "caption");
        if (department is not null) form.Add(new StringContent(department), "department");
        return form;
    }

    /// <summary>Checks a problem of <paramref name="status"/> that names <paramref name="field"/>; returns its one message.</summary>
    internal static async Task<string> FieldError(HttpResponseMessage response, HttpStatusCode status, string field)
    {
        var problem = await response.Problem(status);
        var errors = problem.GetProperty("errors");
        return Assert.Single(errors.GetProperty(field).EnumerateArray()).GetString()!;
    }

    Task<IReadOnlyList<Guid>> PhotoRows(Guid incidentId) => Photo.Rows(app, incidentId);

    /// <summary>A body of <paramref name="length"/> bytes that counts how much of it the client really sent.</summary>
    sealed class CountingContent(int length) : HttpContent
    {
        public long BytesSent;

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            var chunk = new byte[8192];
            for (var sent = 0; sent < length; sent += chunk.Length)
            {
                await stream.WriteAsync(chunk.AsMemory(0, Math.Min(chunk.Length, length - sent)));
                Interlocked.Add(ref BytesSent, Math.Min(chunk.Length, length - sent));
            }
        }

        protected override bool TryComputeLength(out long length1)
        {
            length1 = length;
            return true;
        }
    }
}

/// <summary>With the default limit (5 MB), a photo just over it is refused in those words.</summary>
public class PhotoDefaultLimitTests(DispatchApp app) : IClassFixture<DispatchApp>
{
    [Fact]
    public async Task A_photo_just_over_five_megabytes_is_refused_naming_photo_and_5_MB()
    {
        var incident = await app.Client().Acknowledged(Steps.Department);
        var handler = new Scopes(app).As(app, Role.Handler, Where.Town, Steps.Department, tag: "photo");
        var bytes = new byte[5 * 1024 * 1024 + 1];
        Photo.Png(1, 1).CopyTo(bytes, 0);

        await app.WritesNothing(incident.Id, async () =>
        {
            using var response = await handler.PostAsync(PhotoApiTests.Url(incident.Id), PhotoApiTests.Form(bytes));

            Assert.Equal("The photo is larger than 5 MB: send one of at most 5 MB.",
                await PhotoApiTests.FieldError(response, HttpStatusCode.RequestEntityTooLarge, "photo"));
        });
        Assert.Empty(await Photo.Rows(app, incident.Id));
    }
}

/// <summary>The photo limit is read at start-up; a bad one stops the server naming the setting.</summary>
public class PhotoLimitSettingTests
{
    [Theory]
    [InlineData("5MB")]
    [InlineData("0")]
    [InlineData("-1")]
    public async Task A_server_with_a_bad_photo_limit_does_not_start_and_says_which_setting(string value)
    {
        var app = new DispatchApp { Settings = { ["Dispatch:Uploads:MaxPhotoBytes"] = value } };
        try
        {
            var error = await Assert.ThrowsAnyAsync<Exception>(() => ((IAsyncLifetime)app).InitializeAsync());

            Assert.Contains($"Dispatch:Uploads:MaxPhotoBytes must be a positive whole number of bytes, e.g. 5242880 (5 MB); it is '{value}'.",
                error.ToString());
        }
        finally
        {
            await ((IAsyncLifetime)app).DisposeAsync();
        }
    }
}

/// <summary>Real images made in the test, and the photo rows really written.</summary>
static class Photo
{
    /// <summary>A valid RGB PNG of noise (noise does not compress, so the size grows with the pixels), the same for the same size.</summary>
    public static byte[] Png(int width, int height)
    {
        var random = new Random(width * 7919 + height);
        var raw = new byte[height * (1 + width * 3)];
        for (var row = 0; row < height; row++)
        {
            var start = row * (1 + width * 3);
            raw[start] = 0; // filter: none
            random.NextBytes(raw.AsSpan(start + 1, width * 3));
        }
        using var idat = new MemoryStream();
        using (var zlib = new ZLibStream(idat, CompressionLevel.Optimal, leaveOpen: true)) zlib.Write(raw);

        var header = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, width);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), height);
        header[8] = 8; // bits per sample
        header[9] = 2; // RGB
        using var png = new MemoryStream();
        png.Write([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]);
        Chunk(png, "IHDR", header);
        Chunk(png, "IDAT", idat.ToArray());
        Chunk(png, "IEND", []);
        return png.ToArray();
    }

    /// <summary>A JPEG's start (SOI, JFIF APP0) and <paramref name="padding"/> bytes: enough to be known as a JPEG.</summary>
    public static byte[] Jpeg(int padding) =>
        [0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, .. "JFIF"u8, 0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, .. new byte[padding], 0xFF, 0xD9];

    static void Chunk(Stream png, string type, byte[] data)
    {
        Span<byte> number = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(number, data.Length);
        png.Write(number);
        var typed = Encoding.ASCII.GetBytes(type).Concat(data).ToArray();
        png.Write(typed);
        BinaryPrimitives.WriteUInt32BigEndian(number, Crc32(typed));
        png.Write(number);
    }

    static uint Crc32(byte[] bytes)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in bytes)
        {
            crc ^= b;
            for (var k = 0; k < 8; k++) crc = (crc & 1) != 0 ? 0xEDB88320u ^ (crc >> 1) : crc >> 1;
        }
        return ~crc;
    }

    /// <summary>The ids of the photo rows stored for the incident.</summary>
    public static async Task<IReadOnlyList<Guid>> Rows(DispatchApp app, Guid incidentId)
    {
        await using var connection = new NpgsqlConnection(app.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("select id from dispatch.incident_photos where incident_id = $1 order by id", connection);
        command.Parameters.AddWithValue(incidentId);
        var ids = new List<Guid>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync()) ids.Add(reader.GetGuid(0));
        return ids;
    }
}
