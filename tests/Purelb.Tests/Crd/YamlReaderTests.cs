using System.Text.Json.Nodes;
using Purelb.Kube.Yaml;
using Xunit;

namespace Purelb.Tests.Crd;

public class YamlReaderTests
{
    private static JsonNode? Value(string yamlValue) => YamlReader.ReadSingle($"v: {yamlValue}")!["v"];

    [Theory]
    [InlineData("42", "42")]
    [InlineData("-7", "-7")]
    [InlineData("+7", "7")]
    [InlineData("0x1F", "31")]
    [InlineData("0o17", "15")]
    [InlineData("1.5", "1.5")]
    [InlineData("-2.5e3", "-2500")]
    [InlineData("9223372036854775807", "9223372036854775807")]
    [InlineData("true", "true")]
    [InlineData("False", "false")]
    [InlineData("TRUE", "true")]
    [InlineData("null", "null")]
    [InlineData("~", "null")]
    [InlineData("", "null")]
    public void Plain_scalars_are_typed_by_the_core_schema(string yaml, string json)
    {
        Assert.Equal(json, Value(yaml)?.ToJsonString() ?? "null");
    }

    [Theory]
    [InlineData("\"42\"", "42")]
    [InlineData("'true'", "true")]
    [InlineData("\"null\"", "null")]
    [InlineData("!!str 443", "443")]
    [InlineData("yes", "yes")]
    [InlineData("off", "off")]
    [InlineData("1.2.3", "1.2.3")]
    [InlineData("192.0.2.0/24", "192.0.2.0/24")]
    [InlineData("2001:db8::1", "2001:db8::1")]
    [InlineData("/32", "/32")]
    [InlineData("100ms", "100ms")]
    [InlineData("0x", "0x")]
    [InlineData(".inf", ".inf")]
    [InlineData("12e", "12e")]
    [InlineData("''", "")]
    public void Quoted_tagged_and_non_numeric_scalars_stay_strings(string yaml, string text)
    {
        var node = Value(yaml);
        Assert.NotNull(node);
        Assert.True(node is JsonValue v && v.TryGetValue<string>(out var s) && s == text, $"{yaml} gave {node.ToJsonString()}");
    }

    [Fact]
    public void Explicit_tags_convert_or_fail_with_a_position()
    {
        Assert.Equal("12", Value("!!int \"12\"")!.ToJsonString());
        Assert.Equal("true", Value("!!bool \"true\"")!.ToJsonString());
        Assert.Null(Value("!!null \"\""));
        var e = Assert.Throws<YamlLoadException>(() => YamlReader.ReadSingle("a: 1\nb: !!int abc"));
        Assert.Equal(2, e.Line);
        Assert.Contains("abc", e.Reason);
    }

    [Fact]
    public void Block_scalars_keep_their_text()
    {
        var node = YamlReader.ReadSingle("literal: |\n  one\n  two\nfolded: >\n  one\n  two\n")!;
        Assert.Equal("one\ntwo\n", (string?)node["literal"]);
        Assert.Equal("one two\n", (string?)node["folded"]);
    }

    [Fact]
    public void Multi_document_streams_skip_empty_documents_and_report_lines()
    {
        const string text = "# leading comment\n---\na: 1\n---\n---\n# only a comment\n---\nb: [x, {c: d}]\n...\n";
        var documents = YamlReader.ReadDocuments(text);
        Assert.Equal(2, documents.Count);
        Assert.Equal("""{"a":1}""", documents[0].Root!.ToJsonString());
        Assert.Equal("""{"b":["x",{"c":"d"}]}""", documents[1].Root!.ToJsonString());
        Assert.Equal(3, documents[0].Line);
        Assert.Equal(8, documents[1].Line);
        Assert.True(documents[1].Index > documents[0].Index);
    }

    [Fact]
    public void Empty_text_has_no_documents()
    {
        Assert.Empty(YamlReader.ReadDocuments(""));
        Assert.Empty(YamlReader.ReadDocuments("# nothing\n"));
        Assert.Null(YamlReader.ReadSingle("---\n"));
    }

    [Fact]
    public void Keys_are_strings_even_when_they_look_like_numbers()
    {
        var node = YamlReader.ReadSingle("80: http\ntrue: x\n")!;
        Assert.Equal("""{"80":"http","true":"x"}""", node.ToJsonString());
    }

    [Fact]
    public void Duplicate_keys_are_rejected_with_their_position()
    {
        var e = Assert.Throws<YamlLoadException>(() => YamlReader.ReadSingle("spec:\n  pool: a\n  pool: b\n"));
        Assert.Equal(3, e.Line);
        Assert.Equal(3, e.Column);
        Assert.Contains("duplicate key \"pool\"", e.Reason);
    }

    [Fact]
    public void Complex_keys_are_rejected()
    {
        var e = Assert.Throws<YamlLoadException>(() => YamlReader.ReadSingle("? [a, b]\n: c\n"));
        Assert.Contains("keys must be scalars", e.Reason);
    }

    [Fact]
    public void Syntax_errors_carry_line_and_column()
    {
        var e = Assert.Throws<YamlLoadException>(() => YamlReader.ReadDocuments("a: 1\nb: [unclosed\nc: 2\n"));
        Assert.True(e.Line >= 2, e.Message);
        Assert.DoesNotContain("Idx:", e.Reason);
        var tab = Assert.Throws<YamlLoadException>(() => YamlReader.ReadDocuments("a:\n\t- b\n"));
        Assert.InRange(tab.Line, 1, 2);
    }

    [Fact]
    public void Aliases_expand_to_independent_copies()
    {
        var node = YamlReader.ReadSingle("base: &b {pool: x, n: 1}\nother: *b\nname: &s hi\nagain: *s\n")!;
        Assert.Equal("""{"pool":"x","n":1}""", node["other"]!.ToJsonString());
        Assert.Equal("hi", (string?)node["again"]);
        node["other"]!["pool"] = "changed";
        Assert.Equal("x", (string?)node["base"]!["pool"]);
        Assert.Throws<YamlLoadException>(() => YamlReader.ReadSingle("a: *missing\n"));
    }

    [Fact]
    public void ReadSingle_refuses_several_documents()
    {
        var e = Assert.Throws<YamlLoadException>(() => YamlReader.ReadSingle("a: 1\n---\nb: 2\n"));
        Assert.Equal(3, e.Line);
    }

    [Fact]
    public void Json_text_is_valid_yaml_input()
    {
        Assert.Equal("""{"a":[1,"x",true,null]}""", YamlReader.ReadSingle("""{"a": [1, "x", true, null]}""")!.ToJsonString());
    }
}
