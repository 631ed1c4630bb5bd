// The Opus benchmark's baseline: the same encode + decode loop as the Swift wrapper's, written in C
// against libopus directly, so the wrapper's overhead can be measured (frontdesk bench opus).
#ifndef FRONTDESK_OPUS_BASELINE_H
#define FRONTDESK_OPUS_BASELINE_H

#include <stdint.h>

/// Encodes and decodes `frames` frames of `frame_size` samples from `pcm` (mono, `sample_rate`), with
/// the wrapper's settings (VoIP, voice, 24 kb/s, complexity 5, in-band FEC). Returns the total of
/// encoded bytes (negative on an error), so the work cannot be optimised away.
int64_t frontdesk_opus_baseline(const int16_t *pcm, int frames, int frame_size, int sample_rate);

#endif
