using Purelb.Modes.Memory;
using Xunit;

namespace Purelb.Tests.Memory;

/// <summary>
/// A test of the kernel's asynchronous write-protect userfaultfd (Linux 6.7+ on x86-64), skipped with the kernel's
/// own refusal where it has none: there, the product runs without it and says so (a test covers that outcome).
/// </summary>
public sealed class UserfaultfdFactAttribute : FactAttribute
{
    public UserfaultfdFactAttribute()
    {
        if (PageResidency.KernelRefusal() is { } refusal) Skip = "this kernel refuses: " + refusal;
    }
}
