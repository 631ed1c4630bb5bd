// libspeexdsp's resampler for Swift (a windowed-sinc filter, quality 0–10). No macros are needed.
#ifndef FRONTDESK_CSPEEXDSP_SHIM_H
#define FRONTDESK_CSPEEXDSP_SHIM_H

#include <speex/speex_resampler.h>

#endif
