#if __has_include(<libavformat/avformat.h>)
#include <libavformat/avformat.h>
#include <libavcodec/avcodec.h>
#include <libswscale/swscale.h>
#include <libavutil/imgutils.h>
#include <libavutil/opt.h>
#else
#error "FFmpeg headers not found: run scripts/bootstrap (apt-get install libavformat-dev libavcodec-dev libswscale-dev libavutil-dev)"
#endif

// Function-like macros do not import into Swift; these re-export them.
static inline int orbit_averror_eagain(void) { return AVERROR(EAGAIN); }
static inline int orbit_averror_eof(void) { return AVERROR_EOF; }
static inline int64_t orbit_av_nopts_value(void) { return AV_NOPTS_VALUE; }
