using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using Purelb.Modes.Observability;
using Purelb.Tests.Kube;
using Xunit;

namespace Purelb.Tests.Observability;

public class LineLoggerTests
{
    private static (ILoggerFactory Loggers, MemoryStream Output) Create(string format, string level = "info")
    {
        var output = new MemoryStream();
        return (LoggingSetup.Create(format, level, output), output);
    }

    /// <summary>What reached the stream once the factory is disposed (which writes out everything pending).</summary>
    private static string[] Lines(ILoggerFactory loggers, MemoryStream output)
    {
        loggers.Dispose();
        return Encoding.UTF8.GetString(output.ToArray()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }

    [Fact]
    public void Text_lines_carry_time_level_category_event_and_message()
    {
        var (loggers, output) = Create("text");
        loggers.CreateLogger("purelb.agent").LogWarning(new EventId(7), "lease {Lease} lost after {Ms} ms", "purelb-node-a", 1500);
        var line = Assert.Single(Lines(loggers, output));
        Assert.Matches(new Regex(@"^\d{2}:\d{2}:\d{2}\.\d{3} warn: purelb\.agent\[7\] lease purelb-node-a lost after 1500 ms$"), line);
    }

    [Fact]
    public void Text_keeps_one_entry_on_one_line_with_its_exception()
    {
        var (loggers, output) = Create("text");
        Exception thrown;
        try { throw new InvalidOperationException("first\nsecond"); }
        catch (Exception e) { thrown = e; }
        loggers.CreateLogger("c").LogError(thrown, "broke:\r\n{What}", "netlink");
        var line = Assert.Single(Lines(loggers, output));
        Assert.Contains("fail: c[0] broke: netlink System.InvalidOperationException: first second", line);
        Assert.Contains(nameof(Text_keeps_one_entry_on_one_line_with_its_exception), line);
    }

    [Fact]
    public void Json_lines_name_the_fields_and_keep_values_typed()
    {
        var (loggers, output) = Create("json");
        loggers.CreateLogger("purelb.allocator").LogInformation(new EventId(3), "allocated {Address} to {Service} ({Count}, {Shared})",
            "192.0.2.7", "default/web", 12, true);
        var doc = JsonDocument.Parse(Assert.Single(Lines(loggers, output))).RootElement;
        Assert.Matches(new Regex(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$"), doc.GetProperty("Timestamp").GetString()!);
        Assert.Equal(3, doc.GetProperty("EventId").GetInt32());
        Assert.Equal("Information", doc.GetProperty("LogLevel").GetString());
        Assert.Equal("purelb.allocator", doc.GetProperty("Category").GetString());
        Assert.Equal("allocated 192.0.2.7 to default/web (12, True)", doc.GetProperty("Message").GetString());
        var state = doc.GetProperty("State");
        Assert.Equal("allocated 192.0.2.7 to default/web (12, True)", state.GetProperty("Message").GetString());
        Assert.Equal("192.0.2.7", state.GetProperty("Address").GetString());
        Assert.Equal(JsonValueKind.Number, state.GetProperty("Count").ValueKind);
        Assert.Equal(12, state.GetProperty("Count").GetInt32());
        Assert.Equal(JsonValueKind.True, state.GetProperty("Shared").ValueKind);
        Assert.Equal("allocated {Address} to {Service} ({Count}, {Shared})", state.GetProperty("{OriginalFormat}").GetString());
        Assert.False(doc.TryGetProperty("Exception", out _));
    }

    [Fact]
    public void Json_escapes_what_would_break_the_line_and_records_the_exception()
    {
        var (loggers, output) = Create("json");
        loggers.CreateLogger("c").LogCritical(new TimeoutException("slow"), "quote \" and\nbreak {X}", "a\"b");
        var line = Assert.Single(Lines(loggers, output));
        var doc = JsonDocument.Parse(line).RootElement;
        Assert.Equal("quote \" and\nbreak a\"b", doc.GetProperty("Message").GetString());
        Assert.StartsWith("System.TimeoutException: slow", doc.GetProperty("Exception").GetString());
        Assert.Equal("Critical", doc.GetProperty("LogLevel").GetString());
    }

    [Fact]
    public void Levels_below_the_minimum_and_http_chatter_below_warning_are_dropped()
    {
        var (loggers, output) = Create("text", "info");
        var log = loggers.CreateLogger("purelb.agent");
        Assert.False(log.IsEnabled(LogLevel.Debug));
        log.LogDebug("hidden");
        log.LogInformation("shown");
        var http = loggers.CreateLogger("System.Net.Http.HttpClient.Default.LogicalHandler");
        Assert.False(http.IsEnabled(LogLevel.Information));
        http.LogInformation("request started");
        http.LogWarning("retrying");
        Assert.Collection(Lines(loggers, output),
            l => Assert.EndsWith("purelb.agent[0] shown", l),
            l => Assert.EndsWith("System.Net.Http.HttpClient.Default.LogicalHandler[0] retrying", l));

        var (debug, debugOutput) = Create("text", "debug");
        debug.CreateLogger("purelb.agent").LogDebug("now shown");
        Assert.Single(Lines(debug, debugOutput));
    }

    [Fact]
    public void Lines_from_many_threads_never_interleave()
    {
        var (loggers, output) = Create("json");
        Parallel.For(0, 8, t =>
        {
            var log = loggers.CreateLogger($"thread{t}");
            for (int i = 0; i < 200; i++) log.LogInformation("entry {I} {Padding}", i, new string('x', 300 + t));
        });
        var lines = Lines(loggers, output);
        Assert.Equal(1600, lines.Length);
        foreach (var line in lines)
        {
            var doc = JsonDocument.Parse(line).RootElement;
            var t = int.Parse(doc.GetProperty("Category").GetString()!["thread".Length..]);
            Assert.Equal(300 + t, doc.GetProperty("State").GetProperty("Padding").GetString()!.Length);
        }
    }

    [Fact]
    public void Unknown_format_or_level_is_refused()
    {
        Assert.Throws<ArgumentException>(() => LoggingSetup.Create("xml", "info", new MemoryStream()));
        Assert.Throws<ArgumentException>(() => LoggingSetup.Create("text", "loud", new MemoryStream()));
    }

    [Fact]
    public async Task Lines_go_out_without_a_flush_in_the_order_they_were_logged()
    {
        var output = new LockedStream();
        var loggers = LoggingSetup.Create("text", "info", output);
        var log = loggers.CreateLogger("burst");
        for (int i = 0; i < 5000; i++) log.LogInformation("line {I}", i);
        string[] lines = [];
        await Eventually.True(() =>
        {
            lock (output) lines = Encoding.UTF8.GetString(output.ToArray()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
            return lines.Length == 5000;
        }, "all 5,000 lines written by the background drain");
        for (int i = 0; i < lines.Length; i++) Assert.EndsWith($"burst[0] line {i}", lines[i]);
        loggers.Dispose();
    }

    [Fact]
    public void A_broken_standard_output_never_fails_the_caller()
    {
        var loggers = LoggingSetup.Create("json", "info", new BrokenStream());
        var log = loggers.CreateLogger("c");
        for (int i = 0; i < 3000; i++) log.LogError("entry {I} {Padding}", i, new string('x', 500));
        loggers.Dispose();
    }

    [Fact]
    public void An_entry_that_cannot_be_formatted_is_logged_without_its_exception_and_never_throws()
    {
        foreach (var format in new[] { "text", "json" })
        {
            var output = new MemoryStream();
            var loggers = LoggingSetup.Create(format, "info", output);
            var log = loggers.CreateLogger("c");
            log.LogError(new UnprintableException(), "first {Value}", new Unprintable());
            log.LogInformation("second");
            var lines = Lines(loggers, output);
            Assert.Equal(2, lines.Length);
            Assert.Contains("first", lines[0]);
            Assert.DoesNotContain("second", lines[0]);
            Assert.Contains("second", lines[1]);
            if (format == "json") Assert.All(lines, l => JsonDocument.Parse(l));
        }
    }

    [Fact]
    public void After_dispose_lines_are_written_before_the_call_returns()
    {
        var output = new LockedStream();
        var loggers = LoggingSetup.Create("text", "info", output);
        var log = loggers.CreateLogger("late");
        log.LogInformation("before");
        loggers.Dispose();
        log.LogInformation("after");
        string text;
        lock (output) text = Encoding.UTF8.GetString(output.ToArray());
        Assert.EndsWith("late[0] after\n", text);
        Assert.Contains("late[0] before\n", text);
    }

    private sealed class UnprintableException : Exception
    {
        public override string ToString() => throw new InvalidOperationException("no text");
    }

    private sealed class Unprintable : IFormattable
    {
        public string ToString(string? format, IFormatProvider? provider) => "shown";
        public override string ToString() => "shown";
    }

    /// <summary>Read while the drain writes: both sides under the stream's lock.</summary>
    private sealed class LockedStream : MemoryStream
    {
        public override void Write(ReadOnlySpan<byte> buffer) { lock (this) base.Write(buffer); }
        public override void Write(byte[] buffer, int offset, int count) { lock (this) base.Write(buffer, offset, count); }
    }

    private sealed class BrokenStream : MemoryStream
    {
        public override void Write(ReadOnlySpan<byte> buffer) => throw new IOException("broken pipe");
        public override void Write(byte[] buffer, int offset, int count) => throw new IOException("broken pipe");
    }
}
