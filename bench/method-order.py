#!/usr/bin/env python3
"""Writes the method order file for ILC (IlcOrderFile) from what each role of purelb touched.

usage: method-order.py BINARY OUT ROLE_COPY...

BINARY is the unstripped build the roles ran (its symbols name the methods); each ROLE_COPY is a stripped copy of it
that one role (allocator, agent) ran from a file system with readahead off and a page cache dropped beforehand, so the
copy's cached pages are exactly the pages that role touched. The methods overlapping those pages come first: the
ones every role touched, then each role's own, in their current address order; ILC places every method not named
after them. Kernel fault-around maps the 64 KiB around each touched page, so packing what runs keeps resident the
code that runs rather than the code next to it.
"""
import ctypes
import mmap
import os
import re
import subprocess
import sys

PAGE = 4096


def sections(binary):
    out = {}
    text = subprocess.run(["readelf", "-SW", binary], capture_output=True, text=True, check=True).stdout
    for line in text.splitlines():
        m = re.match(r"\s*\[\s*\d+\]\s+(\S+)\s+\S+\s+([0-9a-f]+)\s+([0-9a-f]+)\s+([0-9a-f]+)", line)
        if m:
            out[m.group(1)] = (int(m.group(2), 16), int(m.group(4), 16))
    return out


def load_segments(binary):
    segs = []
    text = subprocess.run(["readelf", "-lW", binary], capture_output=True, text=True, check=True).stdout
    for line in text.splitlines():
        p = line.split()
        if p and p[0] == "LOAD":
            segs.append((int(p[1], 16), int(p[2], 16), int(p[4], 16)))  # file offset, vaddr, file size
    return segs


def managed_methods(binary):
    start, size = sections(binary)["__managedcode"]
    methods = []
    text = subprocess.run(["nm", "-S", "--defined-only", binary], capture_output=True, text=True, check=True).stdout
    for line in text.splitlines():
        p = line.split(" ", 3)
        if len(p) < 4 or p[2] not in ("t", "T"):
            continue
        addr, length = int(p[0], 16), int(p[1], 16)
        if start <= addr < start + size:
            methods.append((addr, max(length, 1), p[3]))
    methods.sort()
    return methods


def cached_pages(path, segs):
    """Virtual page numbers (as loaded) of the file's pages that are in the page cache, by mincore(2)."""
    size = os.path.getsize(path)
    pages = (size + PAGE - 1) // PAGE
    vec = (ctypes.c_ubyte * pages)()
    libc = ctypes.CDLL(None, use_errno=True)
    libc.mmap.restype = ctypes.c_void_p
    libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_long]
    libc.munmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t]
    libc.mincore.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_void_p]
    with open(path, "rb") as f:
        raw = libc.mmap(None, size, mmap.PROT_READ, mmap.MAP_SHARED, f.fileno(), 0)
        if raw is None or raw == ctypes.c_void_p(-1).value:
            raise OSError(ctypes.get_errno(), "mmap failed")
        try:
            if libc.mincore(raw, size, vec) != 0:
                raise OSError(ctypes.get_errno(), "mincore failed")
        finally:
            libc.munmap(raw, size)
    touched = set()
    for i in range(pages):
        if vec[i] & 1:
            off = i * PAGE
            for seg_off, vaddr, fsize in segs:
                if seg_off <= off < seg_off + fsize:
                    touched.add((vaddr + off - seg_off) // PAGE)
    return touched


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    binary, out, copies = sys.argv[1], sys.argv[2], sys.argv[3:]
    methods = managed_methods(binary)
    segs = load_segments(binary)
    per_role = []
    for copy in copies:
        pages = cached_pages(copy, segs)
        if len(pages) < 1024:
            # A role that starts at all touches several MiB of the binary; less means the workload did not run.
            sys.exit(f"{copy}: only {len(pages) * 4} KiB touched; did the bench fail? The order was not written.")
        hot = {name for addr, length, name in methods
               if any(p in pages for p in range(addr // PAGE, (addr + length - 1) // PAGE + 1))}
        per_role.append(hot)
        print(f"{copy}: {len(pages) * 4} KiB of the binary touched, {len(hot)} of {len(methods)} methods on those pages",
              file=sys.stderr)
    common = set.intersection(*per_role)
    groups = [common] + [role - common for role in per_role]
    seen = set()
    lines = []
    for group in groups:
        for _, _, name in methods:
            if name in group and name not in seen:
                seen.add(name)
                lines.append(name)
    size = {name: length for _, length, name in methods}
    print(f"order: {len(lines)} methods, {sum(size[n] for n in lines) // 1024} KiB of "
          f"{sum(size.values()) // 1024} KiB of managed code ({len(common)} shared by every role)", file=sys.stderr)
    with open(out, "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
