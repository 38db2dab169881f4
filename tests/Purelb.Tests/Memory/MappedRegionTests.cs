using Purelb.Modes.Memory;
using Xunit;

namespace Purelb.Tests.Memory;

public class MappedRegionTests
{
    private const string Maps = """
        55d4c8a00000-55d4c8b2c000 r--p 00000000 fd:01 1311234                    /usr/bin/purelb
        55d4c8b2c000-55d4c9300000 r-xp 0012c000 fd:01 1311234                    /usr/bin/purelb
        55d4c9900000-55d4c9e00000 rw-p 00f00000 fd:01 1311234                    /usr/bin/purelb
        55d4ca000000-55d4ca021000 rw-p 00000000 00:00 0                          [heap]
        7f1a2c000000-7f1a2c021000 rw-p 00000000 00:00 0 
        7f1a2d000000-7f1a2d100000 r-xp 00028000 fd:01 2228281                    /usr/lib/x86_64-linux-gnu/libc.so.6
        7f1a2e000000-7f1a2e010000 rw-s 00000000 00:01 4096                       /memfd:doublemapper (deleted)
        7f1a2f000000-7f1a2f001000 r--p 00000000 fd:01 99                         /opt/my app/data file.bin
        7f1a30000000-7f1a30001000 r--p 00000000 fd:01 98                         /tmp/gone.so (deleted)
        7f1a31000000-7f1a31001000 rw-s 00000000 00:05 12                         /dev/zero
        7ffd5b1f0000-7ffd5b1f2000 r-xp 00000000 00:00 0                          [vdso]
        7ffd5b200000-7ffd5b201000 rw-p 00000000 00:00 0
        7ffd5b300000-7ffd5b301000 r--p 00001000 fd:01 77
        """;

    [Fact]
    public void Parses_ranges_permissions_and_paths_including_spaces()
    {
        var regions = MappedRegion.ParseMaps(Maps);
        Assert.Equal(13, regions.Count);
        var text = regions[1];
        Assert.Equal(0x55d4c8b2c000UL, text.Start);
        Assert.Equal(0x55d4c9300000UL, text.End);
        Assert.Equal(0x55d4c9300000UL - 0x55d4c8b2c000UL, text.Length);
        Assert.True(text.Readable && !text.Writable && text.Executable && text.Private);
        Assert.Equal("/usr/bin/purelb", text.Path);
        Assert.Equal(0x12c000UL, text.Offset);
        Assert.Equal("fd:01", text.Device);
        Assert.Equal(1311234UL, text.Inode);
        Assert.Equal("/opt/my app/data file.bin", regions[7].Path);
        Assert.Equal("", regions[4].Path);
        Assert.Equal("[heap]", regions[3].Path);
        Assert.False(regions[6].Private);
        Assert.Equal("", regions[11].Path);
        Assert.Equal(0UL, regions[11].Inode);
        Assert.Equal(("", 77UL, 0x1000UL), (regions[12].Path, regions[12].Inode, regions[12].Offset));
    }

    [Fact]
    public void Equal_regions_are_the_same_mapping_and_any_change_makes_them_differ()
    {
        var first = MappedRegion.ParseMaps(Maps);
        var again = MappedRegion.ParseMaps(Maps);
        Assert.Equal(first, again);
        var reprotected = MappedRegion.ParseMaps(Maps.Replace("55d4c8a00000-55d4c8b2c000 r--p", "55d4c8a00000-55d4c8b2c000 rw-p"));
        var otherFile = MappedRegion.ParseMaps(Maps.Replace("fd:01 1311234", "fd:01 1311235"));
        Assert.NotEqual(first[0], reprotected[0]);
        Assert.NotEqual(first[0], otherFile[0]);
    }

    [Fact]
    public void Only_private_mappings_of_ordinary_files_are_covered()
    {
        var covered = MappedRegion.ParseMaps(Maps).Where(r => r.IsPrivateFile).Select(r => r.Path).ToList();
        Assert.Equal(["/usr/bin/purelb", "/usr/bin/purelb", "/usr/bin/purelb", "/usr/lib/x86_64-linux-gnu/libc.so.6",
            "/opt/my app/data file.bin"], covered);
    }

    [Theory]
    [InlineData("")]
    [InlineData("garbage")]
    [InlineData("zz-10 r--p 00000000 fd:01 1 /x")]
    [InlineData("20-10 r--p 00000000 fd:01 1 /x")]
    [InlineData("10-20 r-")]
    [InlineData("10-20 r--p 00000000")]
    [InlineData("10-20 r-?p 00000000 fd:01 1 /x")]
    [InlineData("10-20 r--p 00000000 fd:01 x1 /x")]
    public void Lines_it_cannot_read_are_skipped(string line)
    {
        var regions = MappedRegion.ParseMaps(line + "\n10-20 r--p 00000000 fd:01 1 /ok\n");
        Assert.Equal("/ok", Assert.Single(regions).Path);
    }

    [Fact]
    public void The_process_own_maps_hold_its_executable()
    {
        var regions = MappedRegion.ParseMaps(File.ReadAllText("/proc/self/maps"));
        var exe = Environment.ProcessPath!;
        Assert.Contains(regions, r => r.Path == exe && r.Executable && r.IsPrivateFile);
    }
}
