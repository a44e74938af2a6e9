#include <zlib.h>

// zlib's initialisers are macros, which Swift cannot call; these wrap them.
static inline int berth_inflate_init2(z_stream *stream, int window_bits) {
    return inflateInit2(stream, window_bits);
}
