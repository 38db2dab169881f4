using System.Text.Json.Nodes;
using Purelb.Kube.Yaml;
using Xunit;

namespace Purelb.Tests.Crd;

public class YamlWriterTests
{
    [Fact]
    public void Values_that_would_change_type_are_quoted_and_read_back_equal()
    {
        var node = JsonNode.Parse("""
            {"s": "true", "n": "42", "z": "null", "e": "", "t": "~", "f": "1.5", "plain": "192.0.2.0/24", "colon": "a: b",
             "hash": "# not a comment", "multi": "one\ntwo", "num": 42, "big": 18446744073709551616, "real": 2.5,
             "yes": true, "no": false, "nil": null, "list": [1, "2", {"k": []}], "empty": {}}
            """)!;
        var yaml = YamlWriter.Write(node);
        Assert.Contains("plain: 192.0.2.0/24", yaml);
        Assert.Contains("s: \"true\"", yaml);
        Assert.True(JsonNode.DeepEquals(node, JsonNode.Parse(YamlReader.ReadSingle(yaml)!.ToJsonString())), yaml);
    }

    [Fact]
    public void Samples_survive_a_yaml_round_trip()
    {
        foreach (var document in CrdManifests.Documents("samples", "servicegroups.yaml"))
        {
            var again = YamlReader.ReadSingle(YamlWriter.Write(document));
            Assert.True(JsonNode.DeepEquals(JsonNode.Parse(document.ToJsonString()), JsonNode.Parse(again!.ToJsonString())));
        }
    }
}
