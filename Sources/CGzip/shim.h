// CGzip: zlib's inflate, for gzip-compressed sitemaps (.xml.gz files are not a transfer
// encoding, so libcurl does not decode them).
#ifndef NEX_CZLIB_SHIM_H
#define NEX_CZLIB_SHIM_H

#include <zlib.h>

/// inflateInit2 is a macro over inflateInit2_; wrap it as a function Swift can call.
/// windowBits 15 + 32: accept zlib and gzip headers.
static inline int nex_inflate_init(z_stream *stream) {
    return inflateInit2(stream, 15 + 32);
}

#endif
