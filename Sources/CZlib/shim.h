#ifndef CZLIB_SHIM_H
#define CZLIB_SHIM_H

#include <zlib.h>

/* deflateInit2 and inflateInit2 are macros, which Swift cannot import. */
static inline int czlib_deflate_init_gzip(z_streamp strm, int level, int windowBits, int memLevel) {
    /* windowBits + 16 selects the gzip wrapper. */
    return deflateInit2(strm, level, Z_DEFLATED, windowBits + 16, memLevel, Z_DEFAULT_STRATEGY);
}

static inline int czlib_inflate_init_gzip(z_streamp strm) {
    return inflateInit2(strm, 15 + 16);
}

#endif
