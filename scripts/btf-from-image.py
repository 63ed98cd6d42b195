#!/usr/bin/env python3
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""Cut the kernel's BTF out of a boot image (vmlinuz, gzipped or not).

usage: scripts/btf-from-image.py IMAGE OUT

A distribution kernel package ships no ELF vmlinux, and an arm64 vmlinuz is
a gzipped raw Image: no section headers, but the .BTF section is copied into
it as is. Its header (include/uapi/linux/btf.h: magic 0xeB9F, version 1,
hdr_len 24, type_off 0, str_off = type_len) says its own length; the
largest such blob is vmlinux's BTF (a module's is never in the image).
"""
import gzip
import struct
import sys

MAGIC = struct.pack("<HBBI", 0xEB9F, 1, 0, 24)


def main():
    if len(sys.argv) != 3:
        print("usage: btf-from-image.py IMAGE OUT", file=sys.stderr)
        return 2
    with open(sys.argv[1], "rb") as f:
        data = f.read()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    best = None
    pos = data.find(MAGIC)
    while pos >= 0:
        type_off, type_len, str_off, str_len = struct.unpack_from("<IIII", data, pos + 8)
        size = 24 + str_off + str_len
        if type_off == 0 and str_off == type_len and pos + size <= len(data) \
                and data[pos + size - 1] == 0 and (best is None or size > best[1]):
            best = (pos, size)
        pos = data.find(MAGIC, pos + 1)
    if best is None:
        print(f"btf-from-image: no BTF in {sys.argv[1]} (CONFIG_DEBUG_INFO_BTF off?)",
              file=sys.stderr)
        return 1
    with open(sys.argv[2], "wb") as f:
        f.write(data[best[0]:best[0] + best[1]])
    return 0


if __name__ == "__main__":
    sys.exit(main())
