// libopus and libopusenc for Swift. The *_ctl calls are variadic macros, which Swift cannot import:
// each one used is wrapped here in a static inline function with a fixed signature.
#ifndef FRONTDESK_COPUS_SHIM_H
#define FRONTDESK_COPUS_SHIM_H

#include <opus/opus.h>
#include <opus/opusenc.h>

static inline int frontdesk_opus_encoder_set_bitrate(OpusEncoder *encoder, opus_int32 bitrate) {
    return opus_encoder_ctl(encoder, OPUS_SET_BITRATE(bitrate));
}
static inline int frontdesk_opus_encoder_get_bitrate(OpusEncoder *encoder, opus_int32 *bitrate) {
    return opus_encoder_ctl(encoder, OPUS_GET_BITRATE(bitrate));
}
static inline int frontdesk_opus_encoder_set_complexity(OpusEncoder *encoder, opus_int32 complexity) {
    return opus_encoder_ctl(encoder, OPUS_SET_COMPLEXITY(complexity));
}
static inline int frontdesk_opus_encoder_set_signal_voice(OpusEncoder *encoder) {
    return opus_encoder_ctl(encoder, OPUS_SET_SIGNAL(OPUS_SIGNAL_VOICE));
}
static inline int frontdesk_opus_encoder_set_inband_fec(OpusEncoder *encoder, opus_int32 on) {
    return opus_encoder_ctl(encoder, OPUS_SET_INBAND_FEC(on));
}
static inline int frontdesk_opus_encoder_set_packet_loss_perc(OpusEncoder *encoder, opus_int32 percent) {
    return opus_encoder_ctl(encoder, OPUS_SET_PACKET_LOSS_PERC(percent));
}
static inline int frontdesk_opus_encoder_set_dtx(OpusEncoder *encoder, opus_int32 on) {
    return opus_encoder_ctl(encoder, OPUS_SET_DTX(on));
}
static inline int frontdesk_opus_encoder_reset(OpusEncoder *encoder) {
    return opus_encoder_ctl(encoder, OPUS_RESET_STATE);
}
static inline int frontdesk_opus_decoder_reset(OpusDecoder *decoder) {
    return opus_decoder_ctl(decoder, OPUS_RESET_STATE);
}
static inline int frontdesk_opus_decoder_get_last_packet_duration(OpusDecoder *decoder, opus_int32 *samples) {
    return opus_decoder_ctl(decoder, OPUS_GET_LAST_PACKET_DURATION(samples));
}
static inline int frontdesk_ope_encoder_set_bitrate(OggOpusEnc *encoder, opus_int32 bitrate) {
    return ope_encoder_ctl(encoder, OPUS_SET_BITRATE(bitrate));
}
static inline int frontdesk_ope_encoder_set_signal_voice(OggOpusEnc *encoder) {
    return ope_encoder_ctl(encoder, OPUS_SET_SIGNAL(OPUS_SIGNAL_VOICE));
}
static inline int frontdesk_ope_encoder_set_complexity(OggOpusEnc *encoder, opus_int32 complexity) {
    return ope_encoder_ctl(encoder, OPUS_SET_COMPLEXITY(complexity));
}
static inline int frontdesk_ope_encoder_set_decision_delay(OggOpusEnc *encoder, opus_int32 samples48k) {
    return ope_encoder_ctl(encoder, OPE_SET_DECISION_DELAY(samples48k));
}
static inline int frontdesk_ope_encoder_set_muxing_delay(OggOpusEnc *encoder, opus_int32 samples48k) {
    return ope_encoder_ctl(encoder, OPE_SET_MUXING_DELAY(samples48k));
}
static inline int frontdesk_ope_encoder_set_max_bandwidth(OggOpusEnc *encoder, opus_int32 bandwidth) {
    return ope_encoder_ctl(encoder, OPUS_SET_MAX_BANDWIDTH(bandwidth));
}

#endif
