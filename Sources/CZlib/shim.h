#include <zlib.h>
#include <stddef.h>

// zlib's initialisers are macros, which Swift cannot call; these wrap them.
static inline int berth_inflate_init2(z_stream *stream, int window_bits) {
    return inflateInit2(stream, window_bits);
}

// The buffer structs of libzstd's streaming API (zstd.h, stable since 1.3), declared here so the
// zstd library is loaded at run time and needs no headers to build.
typedef struct {
    const void *src;
    size_t size;
    size_t pos;
} berth_zstd_in_buffer;

typedef struct {
    void *dst;
    size_t size;
    size_t pos;
} berth_zstd_out_buffer;
