using Dispatch.Domain.Chat;

namespace Dispatch.Domain.Tests.Chat;

/// <summary>Every slash command, its errors, and hostile input: parsing is pure, so these need no server.</summary>
public class SlashCommandTests
{
    const string Number = "20261123-0042";

    static T Parsed<T>(string line) where T : ChatCommand
    {
        var parse = SlashCommands.Parse(line);
        Assert.Null(parse.Error);
        return Assert.IsType<T>(parse.Command);
    }

    static ChatError Refused(string line)
    {
        var parse = SlashCommands.Parse(line);
        Assert.Null(parse.Command);
        return parse.Error!;
    }

    [Fact]
    public void Assign_takes_a_lead_department_and_assisting_ones_after_a_plus()
    {
        var command = Parsed<AssignCommand>($"/assign urban-management +water +fire #{Number}");

        Assert.Equal((Number, "urban-management"), (command.Incident, command.Target));
        Assert.Equal(["water", "fire"], command.Assisting);
    }

    [Fact]
    public void Assign_takes_a_unit_call_sign_and_the_incident_is_implied_in_its_channel()
    {
        var command = Parsed<AssignCommand>("/assign 东湖-城管-03");

        Assert.Equal((null, "东湖-城管-03"), (command.Incident, command.Target));
        Assert.Empty(command.Assisting);
    }

    [Theory]
    [InlineData("/assign 1", null, 1)]
    [InlineData("/assign 9", null, 9)]
    [InlineData("/assign 03", null, 3)]
    [InlineData("/assign #" + Number + " 2", Number, 2)]
    [InlineData("/assign\u30001", null, 1)]
    public void Given_a_bare_number_when_assign_is_parsed_then_it_names_a_unit_of_the_last_units_near_list(string line, string? incident, int number)
    {
        var command = Parsed<AssignProposedCommand>(line);

        Assert.Equal((incident, number), (command.Incident, command.Number));
        Assert.Equal("assign", SlashCommands.HelpFor(command).Name);
    }

    [Theory]
    [InlineData("/assign 0", "command.assign.number")]
    [InlineData("/assign 10", "command.assign.number")]
    [InlineData("/assign 99999999999999999999999", "command.assign.number")]
    [InlineData("/assign 1 2", "command.assign.extra")]
    [InlineData("/assign 1 +water", "command.assign.extra")]
    public void Given_a_number_out_of_the_lists_range_or_with_more_after_it_when_assign_is_parsed_then_it_is_refused(string line, string code)
    {
        var error = Refused(line);

        Assert.Equal(code, error.Code);
        Assert.Contains("/assign <1–9>", error.Usage);
    }

    [Fact]
    public void Given_a_call_sign_with_digits_in_it_when_assign_is_parsed_then_it_stays_a_call_sign()
    {
        Assert.Equal("DH-03", Parsed<AssignCommand>("/assign DH-03").Target);
        Assert.Equal("1号车", Parsed<AssignCommand>("/assign 1号车").Target);
    }

    [Theory]
    [InlineData("/assign", "command.assign.missing")]
    [InlineData("/assign +water", "command.assign.missing")]
    [InlineData("/assign urban-management water", "command.assign.assisting")]
    [InlineData("/assign urban-management +", "command.assign.assisting")]
    public void Assign_without_a_target_or_with_a_stray_word_is_refused_with_how_to_write_it(string line, string code)
    {
        var error = Refused(line);

        Assert.Equal(code, error.Code);
        Assert.StartsWith("/assign <department>", error.Usage);
    }

    [Theory]
    [InlineData("/ack", null)]
    [InlineData("/ack #" + Number, Number)]
    [InlineData("/ACK  #" + Number, Number)]
    public void Ack_and_close_take_only_the_incident(string line, string? incident)
    {
        Assert.Equal(incident, Parsed<AckCommand>(line).Incident);
        Assert.Equal(incident, Parsed<CloseCommand>(line.Replace("ack", "close").Replace("ACK", "close")).Incident);
    }

    [Fact]
    public void Ack_with_words_after_it_says_what_is_left_over()
    {
        var error = Refused("/ack now please");

        Assert.Equal("command.ack.extra", error.Code);
        Assert.Contains("now please", error.Message);
    }

    [Theory]
    [InlineData("/note 已到现场，正在处置", typeof(NoteCommand))]
    [InlineData("/escalate 涉及两个区", typeof(EscalateCommand))]
    [InlineData("/delegate 属地可处置", typeof(DelegateCommand))]
    [InlineData("/return 不属本部门职责", typeof(ReturnCommand))]
    [InlineData("/resolve 已修复路面", typeof(ResolveCommand))]
    [InlineData("/supervise 请加快处置", typeof(SuperviseCommand))]
    [InlineData("/answer 已安排人员今日办结", typeof(AnswerCommand))]
    public void Commands_with_text_keep_the_text_and_find_the_incident_anywhere(string line, Type type)
    {
        var plain = SlashCommands.Parse(line).Command!;
        var named = SlashCommands.Parse(line.Replace(" ", $" #{Number} ", StringComparison.Ordinal)).Command!;

        Assert.IsType(type, plain);
        Assert.Null(plain.Incident);
        Assert.Equal(Number, named.Incident);
        Assert.Equal(Text(plain), Text(named));
        Assert.Equal(line[(line.IndexOf(' ') + 1)..], Text(plain));
    }

    static string Text(ChatCommand c) => c switch
    {
        NoteCommand n => n.Text, EscalateCommand e => e.Reason, DelegateCommand d => d.Reason, ReturnCommand r => r.Reason,
        ResolveCommand r => r.Resolution, SuperviseCommand s => s.Comment, AnswerCommand a => a.Text, _ => throw new ArgumentException(c.ToString()),
    };

    [Theory]
    [InlineData("/note", "command.note.missing", "the text")]
    [InlineData("/escalate #" + Number, "command.escalate.missing", "a reason")]
    [InlineData("/delegate", "command.delegate.missing", "a reason")]
    [InlineData("/return", "command.return.missing", "a reason")]
    [InlineData("/resolve", "command.resolve.missing", "how it was resolved")]
    [InlineData("/supervise", "command.supervise.missing", "a comment")]
    public void Commands_that_need_text_say_what_is_missing(string line, string code, string what)
    {
        var error = Refused(line);

        Assert.Equal(code, error.Code);
        Assert.Contains(what, error.Message);
        Assert.NotNull(error.Usage);
    }

    [Fact]
    public void Status_is_of_an_incident_or_of_a_unit_not_both()
    {
        Assert.Equal((Number, null), (Parsed<StatusCommand>($"/status #{Number}").Incident, Parsed<StatusCommand>($"/status #{Number}").Unit));
        Assert.Equal("东湖-城管-03", Parsed<StatusCommand>("/status 东湖-城管-03").Unit);
        Assert.Equal((null, null), (Parsed<StatusCommand>("/status").Incident, Parsed<StatusCommand>("/status").Unit));
        Assert.Equal("command.status.both", Refused($"/status #{Number} 东湖-城管-03").Code);
        Assert.Equal("command.status.extra", Refused("/status a b").Code);
    }

    [Fact]
    public void Units_near_takes_an_optional_capability()
    {
        Assert.Null(Parsed<UnitsNearCommand>("/units near").Capability);
        var command = Parsed<UnitsNearCommand>($"/units near #{Number} fire-engine");
        Assert.Equal((Number, "fire-engine"), (command.Incident, command.Capability));
        Assert.Equal("command.units.missing", Refused("/units far").Code);
        Assert.Equal("command.units.extra", Refused("/units near a b").Code);
    }

    [Fact]
    public void Who_and_help()
    {
        Assert.IsType<WhoCommand>(Parsed<WhoCommand>("/who"));
        Assert.Null(Parsed<HelpCommand>("/help").Topic);
        Assert.Equal("assign", Parsed<HelpCommand>("/help /assign").Topic);
        Assert.Equal("command.who.extra", Refused("/who is here").Code);
    }

    [Fact]
    public void Every_listed_command_parses_from_its_own_usage_example()
    {
        // Guards the list and the parser against drifting apart: each name must be handled.
        foreach (var help in SlashCommands.All)
        {
            var parse = SlashCommands.Parse("/" + help.Name);
            Assert.True(parse.Command is not null || parse.Error!.Code.StartsWith($"command.{help.Name}."), help.Name);
        }
    }

    [Theory]
    [InlineData("/asign water", "command.unknown", "/assign")]
    [InlineData("/", "command.empty", "/help")]
    [InlineData("hello", "command.not-a-command", "/help")]
    public void An_unknown_or_empty_command_points_to_help(string line, string code, string hint)
    {
        var error = Refused(line);

        Assert.Equal(code, error.Code);
        Assert.Contains(hint, error.Message);
    }

    [Theory]
    [InlineData("/note #2026-42 x", "command.bad-number")]
    [InlineData("/note #20261123-0042 #20261123-0043 x", "command.two-incidents")]
    public void A_malformed_or_second_incident_number_is_refused(string line, string code) =>
        Assert.Equal(code, Refused(line).Code);

    [Fact]
    public void A_full_width_space_separates_words_like_a_space()
    {
        var command = Parsed<AssignCommand>("/assign\u3000water\u3000+fire");

        Assert.Equal("water", command.Target);
        Assert.Equal(["fire"], command.Assisting);
    }

    [Fact]
    public void A_message_longer_than_the_limit_is_refused_saying_how_long_it_is()
    {
        var error = Refused("/note " + new string('长', SlashCommands.MaxLength));

        Assert.Equal("message.too-long", error.Code);
        Assert.Contains((SlashCommands.MaxLength + 6).ToString(), error.Message);
    }

    [Theory]
    [InlineData("/note a\u0000b")]
    [InlineData("/note bell\u0007")]
    [InlineData("/note \u001b[31mred")]
    [InlineData("/note abc\u202Eevil")]
    public void Control_and_direction_override_characters_are_refused(string line)
    {
        Assert.Equal("message.control", Refused(line).Code);
        Assert.Equal("message.control", SlashCommands.CheckMessage(line.Replace("/note ", ""))!.Code);
    }

    [Fact]
    public void Markup_is_just_text_to_the_parser()
    {
        var note = Parsed<NoteCommand>("/note <script>alert(1)</script> <b>bold</b>");

        Assert.Equal("<script>alert(1)</script> <b>bold</b>", note.Text);
    }

    [Fact]
    public void A_hostile_unknown_command_is_echoed_shortened()
    {
        var error = Refused("/" + new string('x', 500));

        Assert.True(error.Message.Length < 200, error.Message);
    }

    [Fact]
    public void Incident_numbers_are_found_in_plain_text_for_linking_but_not_inside_other_words()
    {
        var found = SlashCommands.IncidentNumbers($"请处理 #{Number}，同 #20261123-0043。not a#20261123-0044 link").ToList();

        Assert.Equal([Number, "20261123-0043"], found);
    }

    [Fact]
    public void Autocomplete_lists_the_commands_that_start_with_what_was_typed()
    {
        Assert.Equal(["assign"], SlashCommands.Complete("/as").Select(h => h.Name));
        Assert.Equal(SlashCommands.All.Count, SlashCommands.Complete("/").Count);
        Assert.Empty(SlashCommands.Complete("/zz"));
    }

    [Fact]
    public void Accept_and_callback_close_the_loop_from_chat()
    {
        Assert.Equal(Number, Parsed<AcceptCommand>($"/accept #{Number}").Incident);
        var callback = Parsed<CallbackCommand>("/callback 4 市民基本满意");
        Assert.Equal((4, "市民基本满意"), (callback.Satisfaction, callback.Comment));
        Assert.Null(Parsed<CallbackCommand>("/callback 5").Comment);
    }

    [Theory]
    [InlineData("/callback", "command.callback.missing")]
    [InlineData("/callback 0", "command.callback.satisfaction")]
    [InlineData("/callback 6 很好", "command.callback.satisfaction")]
    [InlineData("/callback 五", "command.callback.satisfaction")]
    [InlineData("/accept 现在", "command.accept.extra")]
    public void A_callback_needs_a_score_from_one_to_five_and_accept_takes_nothing_more(string line, string code) =>
        Assert.Equal(code, Refused(line).Code);

    [Fact]
    public void Every_command_finds_its_own_help_line()
    {
        string[] lines = ["/accept", "/assign water", "/ack", "/note 到场", "/escalate 跨镇", "/delegate 常规", "/return 非本部门", "/resolve 已修复",
            "/callback 5", "/close", "/status", "/units near", "/supervise 今日办结", "/answer 今日办结", "/cancel invalid", $"/merge into #{Number}", "/reopen 市民再次来电",
            "/locate 31.23 121.47", "/place 第3网格", "/route district 跨街道", "/reveal 需回访", "/plan gas-explosion 爆炸", "/standdown 险情消除", "/msg 东湖-城管-03 到东门", "/who", "/help"];

        var names = lines.Select(l => SlashCommands.HelpFor(SlashCommands.Parse(l).Command!).Name);

        Assert.Equal(SlashCommands.All.Select(h => h.Name), names);
    }

    [Theory]
    [InlineData("/cancel duplicate 同 #20261123-0041", "Duplicate", "同")]
    [InlineData("/cancel 重复 与上一件相同", "Duplicate", "与上一件相同")]
    [InlineData("/cancel INVALID", "Invalid", null)]
    [InlineData("/cancel 无效 测试来电", "Invalid", "测试来电")]
    public void Cancel_takes_the_consoles_two_reasons_and_an_optional_note(string line, string reason, string? note)
    {
        var command = Parsed<CancelCommand>(line);

        Assert.Equal(reason, command.Reason.ToString());
        if (note is null) Assert.Null(command.Note);
        else Assert.StartsWith(note, command.Note);
    }

    [Fact]
    public void A_note_naming_the_incident_a_duplicate_repeats_is_that_incident_not_the_commands()
    {
        // "#…" in a /cancel note is still the command's incident: one number rule, so the note says it in words.
        var command = Parsed<CancelCommand>($"/cancel #{Number} duplicate 同一处路面塌陷");

        Assert.Equal((Number, "同一处路面塌陷"), (command.Incident, command.Note));
    }

    [Theory]
    [InlineData("/cancel", "command.cancel.missing")]
    [InlineData("/cancel 搞错了", "command.cancel.reason")]
    [InlineData("/cancel 1 note", "command.cancel.reason")]
    public void Cancel_without_a_known_reason_is_refused_with_how_to_write_it(string line, string code)
    {
        var error = Refused(line);

        Assert.Equal(code, error.Code);
        Assert.Equal("/cancel [#number] <duplicate|invalid> [note]", error.Usage);
    }

    [Fact]
    public void Merge_names_the_target_after_into_and_the_duplicate_as_usual()
    {
        var inChannel = Parsed<MergeCommand>("/merge into #20261123-0007");
        var named = Parsed<MergeCommand>($"/merge #{Number} INTO #20261123-0007");

        Assert.Equal((null, "20261123-0007"), (inChannel.Incident, inChannel.Into));
        Assert.Equal((Number, "20261123-0007"), (named.Incident, named.Into));
    }

    [Theory]
    [InlineData("/merge", "command.merge.missing")]
    [InlineData("/merge #20261123-0007", "command.merge.missing")]
    [InlineData("/merge into", "command.merge.missing")]
    [InlineData("/merge into 20261123-0007", "command.merge.target")]
    [InlineData("/merge into #12", "command.merge.target")]
    [InlineData("/merge into #20261123-0007 please", "command.merge.extra")]
    [InlineData("/merge #20261123-0001 #20261123-0002 into #20261123-0007", "command.two-incidents")]
    public void Merge_without_a_clear_target_is_refused(string line, string code)
    {
        var error = Refused(line);

        Assert.Equal(code, error.Code);
        Assert.Equal("/merge [#number] into #other", error.Usage);
    }

    [Fact]
    public void Reopen_and_reveal_need_a_reason()
    {
        Assert.Equal((Number, "市民反映仍未修复"), (Parsed<ReopenCommand>($"/reopen #{Number} 市民反映仍未修复").Incident, Parsed<ReopenCommand>($"/reopen #{Number} 市民反映仍未修复").Reason));
        Assert.Equal("回访需要电话", Parsed<RevealCommand>("/reveal 回访需要电话").Reason);
        Assert.Equal("command.reopen.missing", Refused($"/reopen #{Number}").Code);
        Assert.Equal("command.reveal.missing", Refused("/reveal").Code);
        Assert.Equal("command.reveal.too-long", Refused("/reveal " + new string('因', SlashCommands.MaxRevealReason + 1)).Code);
    }

    [Theory]
    [InlineData("/locate 31.2304 121.4737", 31.2304, 121.4737, null)]
    [InlineData("/locate 31.2304, 121.4737 东湖路 18 号", 31.2304, 121.4737, "东湖路 18 号")]
    [InlineData("/locate 31.2304,121.4737 东湖路", 31.2304, 121.4737, "东湖路")]
    [InlineData("/locate -33.5 -70.25", -33.5, -70.25, null)]
    public void Locate_reads_coordinates_as_a_map_copies_them_and_the_rest_as_the_address(string line, double lat, double lon, string? address)
    {
        var command = Parsed<LocateCommand>(line);

        Assert.Equal((lat, lon, address), (command.Lat, command.Lon, command.Address));
    }

    [Theory]
    [InlineData("/locate", "command.locate.missing")]
    [InlineData("/locate 31.2304", "command.locate.missing")]
    [InlineData("/locate 东湖路 18 号", "command.locate.lat")]
    [InlineData("/locate 91 121", "command.locate.lat")]
    [InlineData("/locate NaN 121", "command.locate.lat")]
    [InlineData("/locate 31,5 121", "command.locate.lat")]
    [InlineData("/locate 31.2 181", "command.locate.lon")]
    [InlineData("/locate 31.2 1e2", "command.locate.lon")]
    public void Locate_with_a_missing_or_impossible_coordinate_says_which(string line, string code)
    {
        var error = Refused(line);

        Assert.Equal(code, error.Code);
        Assert.StartsWith("/locate [#number] <latitude> <longitude>", error.Usage);
    }

    [Fact]
    public void Place_keeps_the_jurisdiction_as_typed_for_the_server_to_find()
    {
        Assert.Equal("东湖街道 第3网格", Parsed<PlaceCommand>($"/place #{Number} 东湖街道 第3网格").Jurisdiction);
        Assert.Equal("demo/dh/dh-01", Parsed<PlaceCommand>("/place demo/dh/dh-01").Jurisdiction);
        Assert.Equal("command.place.missing", Refused($"/place #{Number}").Code);
    }

    [Theory]
    [InlineData("/route district 跨街道管网", "District", "跨街道管网")]
    [InlineData("/route CITY water 全市停水", "City", "water 全市停水")]
    [InlineData("/route 镇 属地处置即可", "Town", "属地处置即可")]
    [InlineData("/route 区 涉及两个街道", "District", "涉及两个街道")]
    public void Route_takes_a_level_and_leaves_the_department_and_reason_to_the_server(string line, string level, string text)
    {
        var command = Parsed<RouteCommand>(line);

        Assert.Equal((level, text), (command.Level.ToString(), command.Text));
    }

    [Theory]
    [InlineData("/route", "command.route.missing")]
    [InlineData("/route district", "command.route.missing")]
    [InlineData("/route province 全省", "command.route.level")]
    [InlineData("/route 2 理由", "command.route.level")]
    public void Route_without_a_level_or_a_reason_is_refused(string line, string code)
    {
        var error = Refused(line);

        Assert.Equal(code, error.Code);
        Assert.StartsWith("/route [#number] <town|district|city>", error.Usage);
    }

    [Fact]
    public void Msg_sends_free_text_to_a_call_sign_and_a_number_in_it_is_text()
    {
        var command = Parsed<MessageUnitCommand>($"/msg 东湖-城管-03 先去 #{Number} 再回来");

        Assert.Equal(("东湖-城管-03", $"先去 #{Number} 再回来", null), (command.CallSign, command.Text, command.Incident));
        Assert.Equal("command.msg.missing", Refused("/msg").Code);
        Assert.Equal("command.msg.missing", Refused("/msg 东湖-城管-03").Code);
    }
}
