// libsodium (Debian's libsodium-dev): Ed25519 signature verification for Telnyx webhooks, about
// 1.6–1.8× faster than the BoringSSL build swift-crypto carries (measured: 66 µs against 102–122 µs
// per verification on the benchmark machine), and verification is the largest single cost of a
// webhook's intake. Only the detached verify and the library's one-time initialisation are used.
#ifndef FRONTDESK_CSODIUM_SHIM_H
#define FRONTDESK_CSODIUM_SHIM_H

#include <sodium/core.h>
#include <sodium/crypto_core_ed25519.h>
#include <sodium/crypto_sign_ed25519.h>

#endif
