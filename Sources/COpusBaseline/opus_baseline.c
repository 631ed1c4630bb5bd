#include "opus_baseline.h"
#include <opus/opus.h>

int64_t frontdesk_opus_baseline(const int16_t *pcm, int frames, int frame_size, int sample_rate) {
    int error = 0;
    OpusEncoder *encoder = opus_encoder_create(sample_rate, 1, OPUS_APPLICATION_VOIP, &error);
    if (error != OPUS_OK) return -1;
    OpusDecoder *decoder = opus_decoder_create(sample_rate, 1, &error);
    if (error != OPUS_OK) { opus_encoder_destroy(encoder); return -1; }
    opus_encoder_ctl(encoder, OPUS_SET_BITRATE(24000));
    opus_encoder_ctl(encoder, OPUS_SET_COMPLEXITY(5));
    opus_encoder_ctl(encoder, OPUS_SET_SIGNAL(OPUS_SIGNAL_VOICE));
    opus_encoder_ctl(encoder, OPUS_SET_INBAND_FEC(1));
    opus_encoder_ctl(encoder, OPUS_SET_PACKET_LOSS_PERC(5));
    unsigned char packet[1500];
    int16_t out[5760];
    int64_t total = 0;
    for (int i = 0; i < frames; i++) {
        int length = opus_encode(encoder, pcm + (int64_t)i * frame_size, frame_size, packet, sizeof packet);
        if (length < 0) { total = -1; break; }
        total += length;
        int decoded = opus_decode(decoder, packet, length, out, 5760, 0);
        if (decoded < 0) { total = -1; break; }
    }
    opus_encoder_destroy(encoder);
    opus_decoder_destroy(decoder);
    return total;
}
