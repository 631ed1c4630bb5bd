// libespeak-ng (Debian's libespeak-ng-dev): offline speech synthesis through its classic speak_lib API.
#ifndef FRONTDESK_CESPEAKNG_SHIM_H
#define FRONTDESK_CESPEAKNG_SHIM_H

#include <espeak-ng/speak_lib.h>

#endif
