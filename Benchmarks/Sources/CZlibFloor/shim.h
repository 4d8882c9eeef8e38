#ifndef CZLIBFLOOR_SHIM_H
#define CZLIBFLOOR_SHIM_H
#include <zlib.h>

/* One gzip member at `level`, as Python's gzip.compress / zlib.compress(wbits=31) make it:
   init, deflate, end. Returns the compressed size, or -1. */
static inline long zlib_floor_gzip(const unsigned char *in, unsigned long in_len,
                                   unsigned char *out, unsigned long out_cap, int level) {
    z_stream s = {0};
    if (deflateInit2(&s, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) return -1;
    s.next_in = (unsigned char *)in;
    s.avail_in = (uInt)in_len;
    s.next_out = out;
    s.avail_out = (uInt)out_cap;
    int rc = deflate(&s, Z_FINISH);
    long n = (long)s.total_out;
    deflateEnd(&s);
    return rc == Z_STREAM_END ? n : -1;
}

/* The same with one stream kept across calls and reset before each (what a long-lived exporter does): the
   floor for an exporter that reuses its deflate state. `state` starts zeroed; the first call initialises it. */
static inline long zlib_floor_gzip_reused(z_stream *s, const unsigned char *in, unsigned long in_len,
                                          unsigned char *out, unsigned long out_cap, int level) {
    if (s->state == Z_NULL) {
        if (deflateInit2(s, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) return -1;
    } else if (deflateReset(s) != Z_OK) {
        return -1;
    }
    s->next_in = (unsigned char *)in;
    s->avail_in = (uInt)in_len;
    s->next_out = out;
    s->avail_out = (uInt)out_cap;
    int rc = deflate(s, Z_FINISH);
    return rc == Z_STREAM_END ? (long)s->total_out : -1;
}
#endif
